package io.sensorflow.rule;

import io.sensorflow.model.AlertState;

/**
 * The alert lifecycle of one rule for one sensor and metric, as a pure function of event time:
 * {@code inactive → pending → firing → inactive}. {@code when} must hold for {@code for} before the alert fires;
 * once firing it stays firing until {@code clear} holds (hysteresis), so a value wobbling between the two thresholds
 * fires once, not on every reading.
 */
public final class Lifecycle {

    private Lifecycle() {
    }

    /**
     * What the lifecycle remembers between readings; small and serialisable so that it can be persisted and sharded.
     *
     * @param phase         INACTIVE, PENDING or FIRING
     * @param since         event time at which {@code when} started to hold (meaningless while INACTIVE)
     * @param lastTimestamp event time of the newest reading evaluated, to reject readings that go back in time
     */
    public record State(AlertState phase, long since, long lastTimestamp) {
        public static final State INITIAL = new State(AlertState.INACTIVE, 0L, Long.MIN_VALUE);
    }

    /**
     * @param state      the state after the reading
     * @param transition FIRING or RESOLVED when actions must run, PENDING or INACTIVE for silent changes, null for none
     * @param late       the reading was older than one already evaluated and was ignored
     */
    public record Step(State state, AlertState transition, boolean late) {
    }

    /**
     * Advances the lifecycle by one reading.
     *
     * @param when      whether the firing condition holds for this reading
     * @param clear     whether the clearing condition holds for this reading
     * @param forMillis how long (event time) {@code when} must hold before firing; 0 fires on the first reading
     */
    public static Step next(State state, long timestamp, boolean when, boolean clear, long forMillis) {
        if (timestamp < state.lastTimestamp()) {
            // A reading from the past must not flip the alert backwards in time.
            return new Step(state, null, true);
        }
        return switch (state.phase()) {
            case INACTIVE, RESOLVED -> {
                if (!when) {
                    yield new Step(new State(AlertState.INACTIVE, 0L, timestamp), null, false);
                }
                if (forMillis <= 0) {
                    yield new Step(new State(AlertState.FIRING, timestamp, timestamp), AlertState.FIRING, false);
                }
                yield new Step(new State(AlertState.PENDING, timestamp, timestamp), AlertState.PENDING, false);
            }
            case PENDING -> {
                if (!when) {
                    yield new Step(new State(AlertState.INACTIVE, 0L, timestamp), AlertState.INACTIVE, false);
                }
                if (timestamp - state.since() >= forMillis) {
                    yield new Step(new State(AlertState.FIRING, state.since(), timestamp), AlertState.FIRING, false);
                }
                yield new Step(new State(AlertState.PENDING, state.since(), timestamp), null, false);
            }
            case FIRING -> {
                // With overlapping conditions (when = value > 30, clear-when = value < 35) a steady 31 satisfies
                // both; it must keep the alert firing, not flap it on every reading.
                if (clear && !when) {
                    yield new Step(new State(AlertState.INACTIVE, 0L, timestamp), AlertState.RESOLVED, false);
                }
                yield new Step(new State(AlertState.FIRING, state.since(), timestamp), null, false);
            }
        };
    }
}
