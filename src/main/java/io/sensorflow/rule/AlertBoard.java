package io.sensorflow.rule;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alerts that are pending or firing right now. The rule engine is the only writer (from its stream stage); HTTP
 * readers take snapshots from any thread.
 */
public final class AlertBoard {

    private final ConcurrentHashMap<String, AlertStatus> alerts = new ConcurrentHashMap<>();

    void put(AlertStatus status) {
        alerts.put(key(status.rule(), status.sensor(), status.metric()), status);
    }

    void remove(String rule, String sensor, String metric) {
        alerts.remove(key(rule, sensor, metric));
    }

    public List<AlertStatus> snapshot() {
        return alerts.values().stream()
                .sorted(Comparator.comparing(AlertStatus::rule).thenComparing(AlertStatus::sensor)
                        .thenComparing(AlertStatus::metric))
                .toList();
    }

    private static String key(String rule, String sensor, String metric) {
        return rule + '\u0000' + sensor + '\u0000' + metric;
    }
}
