package io.sensorflow.rule;

/**
 * What one alert of a rule is about: a sensor's metric for per-series rules, a sensor for deadman rules, or a group
 * (the value of a {@code group-by} tag) for grouped windows and combine rules. Empty strings for the parts that do
 * not apply.
 */
public record AlertKey(String sensor, String metric, String group) {

    public static AlertKey series(String sensor, String metric) {
        return new AlertKey(sensor, metric, "");
    }

    public static AlertKey sensor(String sensor) {
        return new AlertKey(sensor, "", "");
    }

    public static AlertKey group(String group) {
        return new AlertKey("", "", group);
    }

    /**
     * The tags an alert carries, which silences and inhibitions compare: its group's for a rule grouped by
     * {@code groupBy}, else {@code readingTags}, those of its newest reading.
     */
    public java.util.Map<String, String> tags(String groupBy, java.util.Map<String, String> readingTags) {
        return groupBy.isEmpty() ? readingTags : java.util.Map.of(groupBy, group);
    }

    /** A readable form for logs and the API: {@code lab-1/temperature}, {@code lab-1} or {@code room=lab}. */
    public String label(String groupBy) {
        if (!group.isEmpty()) {
            return groupBy + "=" + group;
        }
        return metric.isEmpty() ? sensor : sensor + "/" + metric;
    }
}
