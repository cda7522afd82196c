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

    private record SeriesId(String sensor, String metric) {
    }

    private final Glob sensors;
    private final int maxSeries;
    private final Map<SeriesId, double[]> values = new ConcurrentHashMap<>();
    private final io.prometheus.metrics.core.datapoints.CounterDataPoint dropped;

    LatestValueGauges(Glob sensors, int maxSeries, Metrics metrics) {
        this.sensors = sensors;
        this.maxSeries = maxSeries;
        this.dropped = metrics.latestValues(callback -> values.forEach((id, value) ->
                callback.accept(value[0], id.sensor(), id.metric())));
    }

    @Override
    public void readings(List<Reading> readings) {
        for (Reading reading : readings) {
            if (reading.isState() || !Double.isFinite(reading.value()) || !sensors.matches(reading.sensor())) {
                continue;
            }
            SeriesId id = new SeriesId(reading.sensor(), reading.metric());
            double[] value = values.get(id);
            if (value == null) {
                if (values.size() >= maxSeries) {
                    dropped.inc();
                    continue;
                }
                value = values.computeIfAbsent(id, k -> new double[1]);
            }
            value[0] = reading.value();
        }
    }

    @Override
    public void transitions(List<AlertEvent> events) {
        // Only readings.
    }
}
