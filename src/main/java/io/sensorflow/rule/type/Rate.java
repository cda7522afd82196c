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

/**
 * {@code type = rate}: how fast a metric changes, per {@code per} (default one second), over the readings of the last
 * {@code window} of event time, judged at every in-order reading.
 *
 * <p>{@code method = delta} is {@code (last - first) / (t_last - t_first)}; {@code method = slope} is the
 * least-squares slope, which one noisy sample sways less. Both use the readings' own timestamps, so irregular
 * sampling gives the right rate. Fewer than {@code min-samples} readings, or all at one instant, make the rate
 * unknown (no judgement). A reading older than the newest one updates the window but is not judged on its own.
 */
public final class Rate implements Derivation<Rate.State> {

    /** How the rate is computed from the window's samples. */
    public enum Method { DELTA, SLOPE }

    private final long window;
    private final long per;
    private final Method method;
    private final int minSamples;

    public Rate(Duration window, Duration per, Method method, int minSamples) {
        this.window = window.toMillis();
        this.per = per.toMillis();
        this.method = method;
        this.minSamples = minSamples;
    }

    public static Rate parse(Section s) {
        return new Rate(s.positiveDuration("window"), s.positiveDuration("per"),
                s.enumValue("method", Method.class, Method.DELTA), s.integer("min-samples", 2, 1_000_000));
    }

    @Override
    public String signature() {
        return "rate window=" + window + " per=" + per + " method=" + method + " min-samples=" + minSamples;
    }

    @Override
    public long memory() {
        return window;
    }

    @Override
    public boolean observesEachReading() {
        return true;
    }

    @Override
    public State newState() {
        return new State();
    }

    @Override
    public Map<String, CelType> variables() {
        return Map.of("samples", SimpleType.INT, "reading", SimpleType.DOUBLE);
    }

    @Override
    public boolean observe(State state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        long t = reading.timestamp();
        Samples samples = state.samples;
        if (samples.contains(t)) {
            // One value per instant per series (the store's key): a redelivered message, already counted.
            return true;
        }
        boolean inOrder = samples.isEmpty() || t > samples.lastTime();
        if (!inOrder && t < samples.lastTime() - window) {
            return false;
        }
        samples.add(t, reading.value());
        samples.removeBefore(samples.lastTime() - window);
        if (!inOrder || samples.size() < minSamples || samples.lastTime() == samples.firstTime()) {
            return true;
        }
        double rate = (method == Method.DELTA ? delta(samples) : slope(samples)) * per;
        Map<String, Object> v = new HashMap<>(readingVariables);
        v.put("value", rate);
        v.put("samples", (long) samples.size());
        v.put("reading", reading.value());
        out.add(new Observation(t, rate, v));
        return true;
    }

    private static double delta(Samples s) {
        int last = s.size() - 1;
        return (s.value(last) - s.value(0)) / (s.time(last) - s.time(0));
    }

    /** Least squares over times relative to the first sample, so epoch milliseconds do not cost precision. */
    private static double slope(Samples s) {
        int n = s.size();
        long t0 = s.time(0);
        double meanT = 0;
        double meanV = 0;
        for (int i = 0; i < n; i++) {
            meanT += s.time(i) - t0;
            meanV += s.value(i);
        }
        meanT /= n;
        meanV /= n;
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double dt = s.time(i) - t0 - meanT;
            num += dt * (s.value(i) - meanV);
            den += dt * dt;
        }
        return num / den;
    }

    /** The readings of the last {@code window}. */
    public static final class State {
        final Samples samples = new Samples();
    }
}
