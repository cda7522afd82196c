package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;

import java.util.List;
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

    /** Adds a listener; the returned handle removes it. */
    public AutoCloseable subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public int listeners() {
        return listeners.size();
    }

    /** Called once per committed batch. */
    void committed(List<Evaluated> batch) {
        if (listeners.isEmpty()) {
            return;
        }
        for (Evaluated evaluated : batch) {
            List<Reading> readings = evaluated.envelope().readings();
            List<AlertEvent> events = evaluated.events();
            for (Listener listener : listeners) {
                if (!readings.isEmpty()) {
                    listener.readings(readings);
                }
                if (!events.isEmpty()) {
                    listener.transitions(events);
                }
            }
        }
    }
}
