package io.sensorflow.rule;

import dev.cel.common.types.CelType;
import io.sensorflow.model.Reading;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How one rule type turns readings into {@link Observation}s, per alert key. Implementations are pure: all memory is
 * in the per-key state they create, which the engine owns; nothing here reads a clock.
 *
 * @param <S> the per-key state (null for stateless types)
 */
public interface Derivation<S> {

    /**
     * The alert a matched reading feeds, or null if this rule has no use for it (e.g. a metric combine ignores).
     * Default: one alert per sensor and metric.
     */
    default AlertKey keyOf(Reading reading) {
        return AlertKey.series(reading.sensor(), reading.metric());
    }

    /** State for a key seen for the first time; null for stateless types. */
    default S newState() {
        return null;
    }

    /**
     * Feeds one reading of {@code key}. Appends to {@code out} the observations it produces, oldest first.
     *
     * @param readingVariables the CEL variables of the reading itself, shared by every rule it meets
     * @return false if the reading came too late to be used (counted as a late reading)
     */
    boolean observe(S state, AlertKey key, Reading reading, Map<String, Object> readingVariables, List<Observation> out);

    /** CEL variables this type adds to {@code value, sensor, metric, group, timestamp, tags}. */
    default Map<String, CelType> variables() {
        return Map.of();
    }

    /**
     * How much event time of past readings this type remembers (a window, a baseline, the inputs of a combine), so
     * that a restart can rebuild it from the store; 0 for types that remember nothing.
     */
    default long memory() {
        return 0;
    }

    /**
     * Everything about this derivation that its per-key state depends on. On a reload, a rule whose type, match and
     * signature are unchanged keeps its state (windows, baselines, alerts); a change of condition, timing or actions
     * does not count.
     */
    String signature();

    /** The tag whose value names a group, or empty for per-series rules. */
    default String groupBy() {
        return "";
    }

    /**
     * Why this type's rules have no condition ({@code when}, {@code clear-when}, {@code for}, {@code clear-for}), for a
     * type that the clock judges instead ({@link #watch}); empty for the types judged by a condition.
     */
    default Optional<String> conditionless() {
        return Optional.empty();
    }

    /** The condition a rule of this type has when it sets no {@code when}; empty: {@code when} is required. */
    default Optional<String> defaultCondition() {
        return Optional.empty();
    }

    /** Whether state readings (text, no number) reach this type; text has no window, rate or baseline. */
    default boolean acceptsStates() {
        return false;
    }

    /** Whether this type looks at values at all, and so converts them to the rule's unit. */
    default boolean readsValues() {
        return true;
    }

    /**
     * Whether every reading of an alert's series is an observation of its own, at its own time, so that after a
     * restart a stored reading newer than the alert's state was judged already.
     */
    default boolean observesEachReading() {
        return false;
    }

    /** How the clock judges this type's alerts, for a type whose alerts fire on something not happening. */
    default Optional<Watch<S>> watch() {
        return Optional.empty();
    }
}
