package io.sensorflow.http;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.rule.Glob;
import io.sensorflow.telemetry.Metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Optional {@code sensorflow_reading_value{sensor, metric}} gauges: the newest committed value of each numeric series
 * whose sensor matches a glob, for Prometheus and Grafana users who want them there. Series are what the outside
 * world names, so they are capped: past {@code maxSeries}, new series are not exported, and each reading of one is
 * counted in {@code sensorflow_reading_value_dropped_total}.
 */
final class LatestValueGauges implements LiveFeed.Listener {

    /** One exported series: its names, and its value, written by the pipeline's thread and read by scrapes. */
    private static final class Value {
        final String sensor;
        final String metric;
        volatile double value;

        Value(String sensor, String metric) {
            this.sensor = sensor;
            this.metric = metric;
        }
    }

    private final Glob sensors;
    private final int maxSeries;
    private final Map<LiveFeed.Series, Value> values = new ConcurrentHashMap<>();
    private final io.prometheus.metrics.core.datapoints.CounterDataPoint dropped;

    LatestValueGauges(Glob sensors, int maxSeries, Metrics metrics) {
        this.sensors = sensors;
        this.maxSeries = maxSeries;
        this.dropped = metrics.latestValues(callback -> values.values().forEach(v ->
                callback.accept(v.value, v.sensor, v.metric)));
    }

    @Override
    public void readings(Map<LiveFeed.Series, Reading> newest) {
        for (Map.Entry<LiveFeed.Series, Reading> entry : newest.entrySet()) {
            Reading reading = entry.getValue();
            if (reading.isState() || !Double.isFinite(reading.value()) || !sensors.matches(reading.sensor())) {
                continue;
            }
            Value value = values.get(entry.getKey());
            if (value == null) {
                if (values.size() >= maxSeries) {
                    dropped.inc();
                    continue;
                }
                value = values.computeIfAbsent(entry.getKey(), k -> new Value(reading.sensor(), reading.metric()));
            }
            value.value = reading.value();
        }
    }

    @Override
    public void transitions(List<AlertEvent> events) {
        // Only readings.
    }
}
