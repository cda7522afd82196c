package io.sensorflow.rule.type;

import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import io.sensorflow.config.Durations;
import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Observation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code type = window}: an aggregate over an event-time window, per sensor and metric or per {@code group-by} tag.
 *
 * <p>Windows are {@code [end - window, end)} for every {@code end} that is a multiple of {@code every} (tumbling when
 * {@code every = window}). A window closes, and its aggregate is judged at event time {@code end}, once a reading at
 * or after {@code end + allowed-lateness} has arrived for the same key. A reading all of whose windows have closed
 * is late: counted and dropped, never merged into a window that was already judged. Windows without samples are
 * skipped.
 */
public final class Window implements Derivation<Window.State> {

    private final long size;
    private final long every;
    private final long lateness;
    private final Aggregate aggregate;
    private final String groupBy;
    private final int maxSamples;

    public Window(Duration size, Duration every, Duration lateness, Aggregate aggregate, String groupBy, int maxSamples) {
        this.size = size.toMillis();
        this.every = every.toMillis();
        this.lateness = lateness.toMillis();
        this.aggregate = aggregate;
        this.groupBy = groupBy;
        this.maxSamples = maxSamples;
    }

    public static Window parse(Section s) {
        Duration size = s.positiveDuration("window");
        Duration every = s.has("every") ? s.positiveDuration("every") : size;
        if (every.compareTo(size) > 0) {
            s.problem("every", "must not be longer than window (" + Durations.format(size)
                    + "); windows would leave gaps");
        } else if (size.toMillis() % every.toMillis() != 0) {
            s.problem("every", "must divide window (" + Durations.format(size) + ") evenly, so that every reading is "
                    + "in the same number of windows");
        }
        Duration lateness = s.duration("allowed-lateness");
        Aggregate aggregate = s.enumValue("aggregate", Aggregate.class, Aggregate.AVG);
        String groupBy = s.optionalString("group-by").orElse("");
        int maxSamples = s.integer("max-samples", 2, 10_000_000);
        return new Window(size, every, lateness, aggregate, groupBy, maxSamples);
    }

    @Override
    public AlertKey keyOf(Reading reading) {
        if (groupBy.isEmpty()) {
            return AlertKey.series(reading.sensor(), reading.metric());
        }
        String group = reading.tags().get(groupBy);
        return group == null ? null : new AlertKey("", reading.metric(), group);
    }

    @Override
    public String signature() {
        return "window size=" + size + " every=" + every + " lateness=" + lateness + " aggregate=" + aggregate
                + " group-by=" + groupBy + " max-samples=" + maxSamples;
    }

    @Override
    public long memory() {
        return size + lateness;
    }

    @Override
    public String groupBy() {
        return groupBy;
    }

    @Override
    public State newState() {
        return new State();
    }

    @Override
    public Map<String, CelType> variables() {
        return Map.of("count", SimpleType.INT, "window_start", SimpleType.INT, "window_end", SimpleType.INT);
    }

    @Override
    public boolean observe(State state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        long t = reading.timestamp();
        if (state.nextEnd == Long.MIN_VALUE) {
            state.nextEnd = firstEndAfter(t);
        }
        if (t < state.nextEnd - size) {
            return false;
        }
        if (groupBy.isEmpty() && state.samples.contains(t)) {
            // One series has one value per instant (the store's key): a redelivered message, not a new sample.
            // Grouped windows cannot tell, because their sensors may share instants.
            return true;
        }
        if (state.samples.size() >= maxSamples) {
            // A runaway sensor must not grow one window without bound; the oldest sample makes room.
            state.samples.removeFirst();
            state.overflow++;
        }
        state.samples.add(t, reading.value());
        state.maxTime = Math.max(state.maxTime, t);
        state.tags = reading.tags();
        close(state, key, out);
        return true;
    }

    private void close(State state, AlertKey key, List<Observation> out) {
        Samples samples = state.samples;
        while (state.maxTime >= state.nextEnd + lateness) {
            long end = state.nextEnd;
            long start = end - size;
            int from = samples.lowerBound(start);
            int to = samples.lowerBound(end);
            if (to > from) {
                double value = aggregate.compute(samples, from, to);
                out.add(new Observation(end, value, variables(key, state, value, to - from, start, end)));
            }
            state.nextEnd = end + every;
            samples.removeBefore(state.nextEnd - size);
            if (!samples.isEmpty()) {
                // Jump over windows that hold no sample instead of stepping through a long gap.
                state.nextEnd = Math.max(state.nextEnd, firstEndAfter(samples.firstTime()));
            } else {
                state.nextEnd = Math.max(state.nextEnd, firstEndAfter(state.maxTime));
            }
        }
    }

    private Map<String, Object> variables(AlertKey key, State state, double value, int count, long start, long end) {
        Map<String, Object> v = new HashMap<>(12);
        v.put("value", value);
        v.put("sensor", key.sensor());
        v.put("metric", key.metric());
        v.put("group", key.group());
        v.put("timestamp", end);
        v.put("tags", groupBy.isEmpty() ? state.tags : Map.of(groupBy, key.group()));
        v.put("count", (long) count);
        v.put("window_start", start);
        v.put("window_end", end);
        return v;
    }

    /** The end of the earliest window that contains {@code t}. */
    private long firstEndAfter(long t) {
        return Math.floorDiv(t, every) * every + every;
    }

    /** Samples of the open windows, the end of the next window to close, and the newest event time seen. */
    public static final class State {
        final Samples samples = new Samples();
        long nextEnd = Long.MIN_VALUE;
        long maxTime = Long.MIN_VALUE;
        long overflow;
        Map<String, String> tags = Map.of();

        /** Samples dropped because one key exceeded {@code max-samples}. */
        public long overflow() {
            return overflow;
        }

        /** How many samples the open windows hold. */
        public int size() {
            return samples.size();
        }
    }
}
