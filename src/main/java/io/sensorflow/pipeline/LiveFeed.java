package io.sensorflow.pipeline;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.telemetry.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the pipeline has just committed, for whoever watches live (the stream behind the dashboard, the latest-value
 * gauges). Transitions go to the listeners at each commit; readings are first reduced, once for all listeners, to the
 * newest reading of each series over an interval, and handed over at its end. So the pipeline's thread does one map
 * update per committed reading, however many clients watch, and each listener one pass per interval over what
 * changed: with 50 dashboards and a commit every few milliseconds, that is a hundredth of the work of handing each
 * commit to each client.
 */
public final class LiveFeed implements AutoCloseable {

    /** Takes note of committed readings and transitions; must not block and must not throw. */
    public interface Listener {

        /**
         * The newest reading of each series that changed in one interval. The same unmodifiable map, with the same
         * key objects, goes to every listener, which may keep it.
         */
        void readings(Map<Series, Reading> newest);

        /** Transitions of one commit, in order; called on the pipeline's thread. */
        void transitions(List<AlertEvent> events);
    }

    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Forwards this node's commits to the other nodes of a cluster; null for a daemon alone. */
    private volatile Listener relay;
    private final int maxSeries;
    /** Readings a newer one of the same series replaced within one interval, before any listener saw them. */
    private final CounterDataPoint superseded;
    /** New series past {@code maxSeries} in one interval, left out of it. */
    private final CounterDataPoint capped;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "sensorflow-live-feed");
        thread.setDaemon(true);
        return thread;
    });
    /** This interval's newest reading per series; guarded by {@code this}. */
    private LinkedHashMap<Series, Reading> interval = new LinkedHashMap<>();

    /**
     * @param every     how often the readings of an interval go to the listeners
     * @param maxSeries how many series one interval holds; a burst of new names past it waits for their next reading
     */
    public LiveFeed(Metrics metrics, Duration every, int maxSeries) {
        this.maxSeries = maxSeries;
        this.superseded = metrics.streamSkipped("conflated");
        this.capped = metrics.streamSkipped("series-cap");
        long millis = Math.max(1, every.toMillis());
        timer.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * In a cluster: {@code forward} takes what this node commits, as listeners do, to hand it to the other nodes;
     * what they commit comes back through {@link #relayed}.
     */
    public void relayTo(Listener forward) {
        this.relay = forward;
    }

    /** What another node of the cluster committed: to this node's listeners, not back to the others. */
    public void relayed(Map<Series, Reading> newest, List<AlertEvent> events) {
        for (Listener listener : listeners) {
            try {
                if (!newest.isEmpty()) {
                    listener.readings(newest);
                }
                if (!events.isEmpty()) {
                    listener.transitions(events);
                }
            } catch (RuntimeException e) {
                LOG.warn("live feed listener failed", e);
            }
        }
    }

    /** Adds a listener; the returned handle removes it. */
    public AutoCloseable subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public int listeners() {
        return listeners.size();
    }

    /** Called once per committed batch, on the pipeline's thread, after its acknowledgements. */
    void committed(List<Evaluated> batch) {
        Listener forward = relay;
        if (listeners.isEmpty() && forward == null) {
            return;
        }
        List<AlertEvent> events = new ArrayList<>(0);
        long replaced = 0;
        long beyondCap = 0;
        synchronized (this) {
            for (Evaluated evaluated : batch) {
                for (Reading reading : evaluated.envelope().readings()) {
                    Series id = new Series(reading.sensor(), reading.metric());
                    Reading before = interval.get(id);
                    if (before != null) {
                        // Out-of-order readings must not move a live value backwards.
                        if (reading.timestamp() >= before.timestamp()) {
                            interval.put(id, reading);
                        }
                        replaced++;
                    } else if (interval.size() < maxSeries) {
                        interval.put(id, reading);
                    } else {
                        beyondCap++;
                    }
                }
                events.addAll(evaluated.events());
            }
        }
        if (replaced > 0) {
            superseded.inc(replaced);
        }
        if (beyondCap > 0) {
            capped.inc(beyondCap);
        }
        if (!events.isEmpty()) {
            for (Listener listener : listeners) {
                listener.transitions(events);
            }
            if (forward != null) {
                forward.transitions(events);
            }
        }
    }

    /** Hands the interval's readings to the listeners and starts the next interval; run by the timer. */
    void flush() {
        Map<Series, Reading> newest;
        synchronized (this) {
            if (interval.isEmpty()) {
                return;
            }
            newest = Collections.unmodifiableMap(interval);
            interval = new LinkedHashMap<>();
        }
        for (Listener listener : listeners) {
            try {
                listener.readings(newest);
            } catch (RuntimeException e) {
                // A listener must not throw; if one does, the others and the next interval still go on.
                LOG.warn("live feed listener failed", e);
            }
        }
        Listener forward = relay;
        if (forward != null) {
            forward.readings(newest);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /**
     * A sensor's metric as a map key. Not a record: a record's equals and hashCode go through method handles, which
     * a profile of 50 stream clients showed as a fifth of the daemon's CPU; this one compares two strings and keeps
     * its hash.
     */
    public static final class Series {

        private final String sensor;
        private final String metric;
        private final int hash;

        public Series(String sensor, String metric) {
            this.sensor = sensor;
            this.metric = metric;
            this.hash = 31 * sensor.hashCode() + metric.hashCode();
        }

        @Override
        public boolean equals(Object other) {
            return this == other || other instanceof Series s && hash == s.hash && sensor.equals(s.sensor)
                    && metric.equals(s.metric);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return sensor + "/" + metric;
        }
    }
}
