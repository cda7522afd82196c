package io.sensorflow.rule;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alerts that are pending or firing right now. The rule engine is the only writer (from its stream stage); HTTP
 * readers take snapshots from any thread.
 */
public final class AlertBoard {

    private final ConcurrentHashMap<Key, AlertStatus> alerts = new ConcurrentHashMap<>();

    void put(String rule, AlertKey key, AlertStatus status) {
        alerts.put(new Key(rule, key), status);
    }

    void remove(String rule, AlertKey key) {
        alerts.remove(new Key(rule, key));
    }

    public List<AlertStatus> snapshot() {
        return alerts.values().stream()
                .sorted(Comparator.comparing(AlertStatus::rule).thenComparing(AlertStatus::sensor)
                        .thenComparing(AlertStatus::metric).thenComparing(AlertStatus::group))
                .toList();
    }

    private record Key(String rule, AlertKey key) {
    }
}
