package io.sensorflow.pipeline;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the pipeline has just committed, for whoever watches live (the stream behind the dashboard). It is told after
 * each commit, on the pipeline's own thread, so a listener must only take note and return: anything slower would
 * hold up acknowledgements for every source.
 */
public final class LiveFeed {

    /** Takes note of committed readings and transitions; must not block and must not throw. */
    public interface Listener {

        /** The newest reading of each series in one commit, by series (the same key objects for every listener). */
        void readings(Map<Series, Reading> newest);

        void transitions(List<AlertEvent> events);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Readings a newer one of the same series replaced within one commit, before any listener saw them. */
    private final CounterDataPoint superseded;

    public LiveFeed(Metrics metrics) {
        this.superseded = metrics.streamSkipped("conflated");
    }

    /** Adds a listener; the returned handle removes it. */
    public AutoCloseable subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public int listeners() {
        return listeners.size();
    }

    /**
     * Called once per committed batch. Listeners get the newest reading of each series in the batch, once: a batch of
     * a thousand readings of a hundred sensors costs each listener a hundred, not a thousand.
     */
    void committed(List<Evaluated> batch) {
        if (listeners.isEmpty()) {
            return;
        }
        Map<Series, Reading> newest = new LinkedHashMap<>();
        List<AlertEvent> events = new ArrayList<>(0);
        long replaced = 0;
        for (Evaluated evaluated : batch) {
            for (Reading reading : evaluated.envelope().readings()) {
                Series id = new Series(reading.sensor(), reading.metric());
                Reading before = newest.get(id);
                if (before == null || reading.timestamp() >= before.timestamp()) {
                    newest.put(id, reading);
                }
                if (before != null) {
                    replaced++;
                }
            }
            events.addAll(evaluated.events());
        }
        if (replaced > 0) {
            superseded.inc(replaced);
        }
        Map<Series, Reading> readings = java.util.Collections.unmodifiableMap(newest);
        for (Listener listener : listeners) {
            if (!readings.isEmpty()) {
                listener.readings(readings);
            }
            if (!events.isEmpty()) {
                listener.transitions(events);
            }
        }
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
