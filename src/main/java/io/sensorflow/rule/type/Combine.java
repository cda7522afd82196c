package io.sensorflow.rule.type;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Observation;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code type = combine}: several metrics of one group seen together, e.g. {@code temperature > 30 && humidity > 70}
 * per {@code room} tag (or per sensor without {@code group-by}).
 *
 * <p>The condition reads the latest value of every listed metric, as a variable of the metric's name (when that is a
 * valid identifier) and in the map {@code values}. It is judged at every reading of the group. If any input is
 * missing or older than {@code max-age} at that reading's time, the condition is <em>unknown</em>: the alert keeps
 * its state instead of treating a silent input as "false" and resolving.
 */
public final class Combine implements Derivation<Combine.State> {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Names the condition already uses for something else. */
    private static final Set<String> RESERVED = Set.of("value", "sensor", "metric", "group", "timestamp", "tags",
            "values", "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function",
            "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while");

    private final List<String> metrics;
    private final Map<String, Integer> index = new HashMap<>();
    private final String groupBy;
    private final long maxAge;

    public Combine(List<String> metrics, String groupBy, Duration maxAge) {
        this.metrics = List.copyOf(metrics);
        for (int i = 0; i < metrics.size(); i++) {
            index.put(metrics.get(i), i);
        }
        this.groupBy = groupBy;
        this.maxAge = maxAge.toMillis();
    }

    public static Combine parse(Section s) {
        List<String> metrics = s.stringList("metrics");
        if (s.has("metrics") && metrics.size() < 2) {
            s.problem("metrics", "must list at least two metrics to combine, got " + metrics);
        }
        if (metrics.stream().distinct().count() != metrics.size()) {
            s.problem("metrics", "lists a metric twice: " + metrics);
        }
        for (String metric : metrics) {
            if (RESERVED.contains(metric)) {
                s.problem("metrics", "'" + metric + "' clashes with a condition variable; read it as values[\""
                        + metric + "\"] by renaming the metric at the source, or pick another name");
            }
        }
        String groupBy = s.optionalString("group-by").orElse("");
        return new Combine(metrics, groupBy, s.positiveDuration("max-age"));
    }

    public List<String> metrics() {
        return metrics;
    }

    @Override
    public AlertKey keyOf(Reading reading) {
        if (!index.containsKey(reading.metric())) {
            return null;
        }
        if (groupBy.isEmpty()) {
            return AlertKey.sensor(reading.sensor());
        }
        String group = reading.tags().get(groupBy);
        return group == null ? null : AlertKey.group(group);
    }

    @Override
    public String signature() {
        return "combine metrics=" + metrics + " group-by=" + groupBy + " max-age=" + maxAge;
    }

    @Override
    public long memory() {
        return maxAge;
    }

    @Override
    public String groupBy() {
        return groupBy;
    }

    @Override
    public State newState() {
        return new State(metrics.size());
    }

    @Override
    public Map<String, CelType> variables() {
        Map<String, CelType> v = new LinkedHashMap<>();
        for (String metric : metrics) {
            if (IDENTIFIER.matcher(metric).matches() && !RESERVED.contains(metric)) {
                v.put(metric, SimpleType.DOUBLE);
            }
        }
        v.put("values", MapType.create(SimpleType.STRING, SimpleType.DOUBLE));
        return v;
    }

    @Override
    public boolean observe(State state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        int i = index.get(reading.metric());
        long t = reading.timestamp();
        if (t >= state.times[i]) {
            state.times[i] = t;
            state.values[i] = reading.value();
        }
        if (t < state.lastTime) {
            return false;
        }
        state.lastTime = t;
        for (int j = 0; j < metrics.size(); j++) {
            if (state.times[j] == Long.MIN_VALUE || t - state.times[j] > maxAge) {
                return true;
            }
        }
        Map<String, Object> v = new HashMap<>();
        Map<String, Double> values = new LinkedHashMap<>();
        for (int j = 0; j < metrics.size(); j++) {
            values.put(metrics.get(j), state.values[j]);
            v.put(metrics.get(j), state.values[j]);
        }
        v.put("values", values);
        v.put("value", reading.value());
        v.put("sensor", key.sensor().isEmpty() ? reading.sensor() : key.sensor());
        v.put("metric", reading.metric());
        v.put("group", key.group());
        v.put("timestamp", t);
        v.put("tags", groupBy.isEmpty() ? reading.tags() : Map.of(groupBy, key.group()));
        out.add(new Observation(t, reading.value(), v));
        return true;
    }

    /** The latest value and time of each metric of one group. */
    public static final class State {
        final long[] times;
        final double[] values;
        long lastTime = Long.MIN_VALUE;

        State(int metrics) {
            times = new long[metrics];
            values = new double[metrics];
            Arrays.fill(times, Long.MIN_VALUE);
        }
    }
}
