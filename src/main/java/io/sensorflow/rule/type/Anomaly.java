package io.sensorflow.rule.type;

import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Observation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code type = anomaly}: how many standard deviations a reading lies from what the sensor usually reports, as the
 * z-score {@code z = (value - mean) / stddev} against the statistics <em>before</em> this reading.
 *
 * <p>{@code method = ewma}: an exponentially weighted mean and variance whose weights halve every {@code half-life}
 * of event time, so irregular sampling does not skew them. {@code method = rolling}: the plain mean and standard
 * deviation of the readings of the last {@code window}. No judgement before {@code warm-up} readings have been seen
 * (rolling: are in the window). The default condition is {@code z > k || z < -k}. A reading older than the newest
 * one is late and dropped: a baseline that went back in time would no longer mean anything.
 */
public final class Anomaly implements Derivation<Anomaly.State> {

    /** Which baseline the z-score is measured against. */
    public enum Method { EWMA, ROLLING }

    private final Method method;
    private final long halfLife;
    private final long window;
    private final double k;
    private final int warmUp;

    public Anomaly(Method method, Duration halfLife, Duration window, double k, int warmUp) {
        this.method = method;
        this.halfLife = halfLife.toMillis();
        this.window = window.toMillis();
        this.k = k;
        this.warmUp = warmUp;
    }

    public static Anomaly parse(Section s) {
        Method method = s.enumValue("method", Method.class, Method.EWMA);
        Duration halfLife = method == Method.EWMA ? s.positiveDuration("half-life") : Duration.ofMinutes(10);
        Duration window = method == Method.ROLLING ? s.positiveDuration("window") : Duration.ofHours(1);
        // Both keys count as read: reference.conf gives half-life a default that rolling rules simply do not use.
        s.has("window");
        s.has("half-life");
        if (method == Method.EWMA && s.isUserSet("window")) {
            s.problem("window", "applies to method = rolling; ewma uses half-life");
        }
        if (method == Method.ROLLING && s.isUserSet("half-life")) {
            s.problem("half-life", "applies to method = ewma; rolling uses window");
        }
        double k = s.decimal("k", 0.0, 1e6);
        int warmUp = s.integer("warm-up", 2, 1_000_000);
        return new Anomaly(method, halfLife, window, k, warmUp);
    }

    /** A rule that sets no {@code when} fires beyond k standard deviations either way. */
    @Override
    public Optional<String> defaultCondition() {
        return Optional.of("z > k || z < -k");
    }

    @Override
    public boolean observesEachReading() {
        return true;
    }

    @Override
    public String signature() {
        // k is a threshold, not memory: changing it keeps the baseline.
        return "anomaly method=" + method + " half-life=" + halfLife + " window=" + window + " warm-up=" + warmUp;
    }

    /** Rolling: its window; ewma: ten half-lives (the weight left beyond is under 0.1 %), at most a week. */
    @Override
    public long memory() {
        return method == Method.ROLLING ? window : Math.min(10 * halfLife, 7L * 24 * 3600 * 1000);
    }

    @Override
    public State newState() {
        return new State();
    }

    @Override
    public Map<String, CelType> variables() {
        return Map.of("mean", SimpleType.DOUBLE, "stddev", SimpleType.DOUBLE, "z", SimpleType.DOUBLE,
                "k", SimpleType.DOUBLE);
    }

    @Override
    public boolean observe(State state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        long t = reading.timestamp();
        if (state.count > 0 && t <= state.lastTime) {
            // Older, or the same instant again (a redelivered message): the baseline has it already.
            return t == state.lastTime;
        }
        double x = reading.value();
        double mean;
        double stddev;
        long seen;
        if (method == Method.EWMA) {
            mean = state.mean;
            stddev = Math.sqrt(state.variance);
            seen = state.count;
            update(state, t, x);
        } else {
            state.samples.removeBefore(t - window);
            seen = state.samples.size();
            mean = seen == 0 ? 0 : Aggregate.AVG.compute(state.samples, 0, (int) seen);
            stddev = seen == 0 ? 0 : Aggregate.STDDEV.compute(state.samples, 0, (int) seen);
            state.samples.add(t, x);
            state.lastTime = t;
            state.count++;
        }
        if (seen < warmUp) {
            return true;
        }
        double z = stddev > 0 ? (x - mean) / stddev : (x == mean ? 0 : Math.copySign(Double.POSITIVE_INFINITY, x - mean));
        Map<String, Object> v = new HashMap<>(readingVariables);
        v.put("mean", mean);
        v.put("stddev", stddev);
        v.put("z", z);
        v.put("k", k);
        out.add(new Observation(t, x, v));
        return true;
    }

    /** West's incremental weighted mean and variance, with a weight that depends on the time since the last one. */
    private void update(State state, long t, double x) {
        if (state.count == 0) {
            state.mean = x;
            state.variance = 0;
        } else {
            double alpha = 1 - Math.pow(0.5, (double) (t - state.lastTime) / halfLife);
            double diff = x - state.mean;
            double increment = alpha * diff;
            state.mean += increment;
            state.variance = (1 - alpha) * (state.variance + diff * increment);
        }
        state.lastTime = t;
        state.count++;
    }

    /** The baseline of one series. */
    public static final class State {
        double mean;
        double variance;
        long lastTime;
        long count;
        final Samples samples = new Samples();
    }
}
