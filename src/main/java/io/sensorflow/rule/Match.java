package io.sensorflow.rule;

import io.sensorflow.model.Reading;

import java.util.Map;

/**
 * Which readings a rule looks at: globs on sensor and metric names and, optionally, on tag values. A reading without
 * a tag that the match names does not match.
 */
public record Match(Glob sensor, Glob metric, Map<String, Glob> tags) {

    public Match {
        tags = Map.copyOf(tags);
    }

    public static Match of(String sensor, String metric) {
        return new Match(Glob.of(sensor), Glob.of(metric), Map.of());
    }

    /** The part that depends only on the series, which the engine caches per (sensor, metric). */
    public boolean matchesSeries(String sensorName, String metricName) {
        return sensor.matches(sensorName) && metric.matches(metricName);
    }

    public boolean matchesTags(Map<String, String> readingTags) {
        for (Map.Entry<String, Glob> entry : tags.entrySet()) {
            String value = readingTags.get(entry.getKey());
            if (value == null || !entry.getValue().matches(value)) {
                return false;
            }
        }
        return true;
    }

    public boolean matches(Reading reading) {
        return matchesSeries(reading.sensor(), reading.metric()) && matchesTags(reading.tags());
    }

    @Override
    public String toString() {
        return "sensor=" + sensor + " metric=" + metric + (tags.isEmpty() ? "" : " tags=" + tags);
    }
}
