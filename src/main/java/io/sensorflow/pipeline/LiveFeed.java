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

        void readings(List<Reading> readings);

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
        Map<SeriesId, Reading> newest = new LinkedHashMap<>();
        List<AlertEvent> events = new ArrayList<>(0);
        long replaced = 0;
        for (Evaluated evaluated : batch) {
            for (Reading reading : evaluated.envelope().readings()) {
                SeriesId id = new SeriesId(reading.sensor(), reading.metric());
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
        List<Reading> readings = newest.isEmpty() ? List.of() : List.copyOf(newest.values());
        for (Listener listener : listeners) {
            if (!readings.isEmpty()) {
                listener.readings(readings);
            }
            if (!events.isEmpty()) {
                listener.transitions(events);
            }
        }
    }

    private record SeriesId(String sensor, String metric) {
    }
}
