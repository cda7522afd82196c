package io.sensorflow.rule;

import io.sensorflow.model.AlertState;

/**
 * The alert lifecycle of one rule for one alert key, as a pure function of event time:
 * {@code inactive → pending → firing → resolved (→ inactive)}.
 *
 * <ul>
 *   <li>{@code when} must hold for {@code for} before the alert fires.</li>
 *   <li>Once firing, it resolves only when {@code clear} holds (hysteresis) and has held for {@code clear-for}, so a
 *       value wobbling between two thresholds fires once, not on every reading.</li>
 *   <li>Observations older than the newest one evaluated are ignored: late data never flips an alert backwards in
 *       time.</li>
 *   <li>When no observation comes, the clock finishes a running {@code for} or {@code clear-for}: the last known
 *       value is taken to still hold (sensors that report only on change send nothing while a value stays high).
 *       The clock deadline is measured from the <em>arrival</em> of the last observation, so a backlog replayed
 *       quickly after an outage is judged by its own readings, not by how old they are.</li>
 * </ul>
 */
public final class Lifecycle {

    /** No time recorded. */
    public static final long NONE = Long.MIN_VALUE;

    private Lifecycle() {
    }

    /**
     * What the lifecycle remembers between observations; small and serialisable so that it can be persisted and
     * sharded.
     *
     * @param phase         INACTIVE, PENDING or FIRING
     * @param since         event time at which {@code when} started to hold ({@link #NONE} while INACTIVE)
     * @param clearSince    event time at which {@code clear} started to hold while FIRING, else {@link #NONE}
     * @param lastTimestamp event time of the newest observation evaluated
     * @param lastArrival   processing time (clock) at which that observation was evaluated
     */
    public record State(AlertState phase, long since, long clearSince, long lastTimestamp, long lastArrival) {
        public static final State INITIAL = new State(AlertState.INACTIVE, NONE, NONE, NONE, NONE);

        State at(long timestamp, long arrival) {
            return new State(phase, since, clearSince, timestamp, arrival);
        }
    }

    /**
     * @param state      the state after the step
     * @param transition PENDING, FIRING, RESOLVED or INACTIVE (pending that did not last) when the phase changed, else
     *                   null
     * @param timestamp  event time of the transition (for clock steps, the deadline that passed)
     * @param late       the observation was older than one already evaluated and was ignored
     */
    public record Step(State state, AlertState transition, long timestamp, boolean late) {
    }

    /** Durations of one rule, in milliseconds. */
    public record Timing(long forMillis, long clearForMillis) {
        public static final Timing IMMEDIATE = new Timing(0, 0);
    }

    /**
     * Advances the lifecycle by one observation.
     *
     * @param timestamp event time of the observation
     * @param arrival   processing time now
     * @param when      whether the firing condition holds
     * @param clear     whether the clearing condition holds
     */
    public static Step next(State state, long timestamp, long arrival, boolean when, boolean clear, Timing timing) {
        if (state.lastTimestamp() != NONE && timestamp < state.lastTimestamp()) {
            return new Step(state, null, timestamp, true);
        }
        return switch (state.phase()) {
            case INACTIVE, RESOLVED -> {
                if (!when) {
                    yield new Step(state.at(timestamp, arrival), null, timestamp, false);
                }
                AlertState phase = timing.forMillis() <= 0 ? AlertState.FIRING : AlertState.PENDING;
                yield new Step(new State(phase, timestamp, NONE, timestamp, arrival), phase, timestamp, false);
            }
            case PENDING -> {
                if (!when) {
                    yield new Step(inactive(timestamp, arrival), AlertState.INACTIVE, timestamp, false);
                }
                if (timestamp - state.since() >= timing.forMillis()) {
                    yield new Step(new State(AlertState.FIRING, state.since(), NONE, timestamp, arrival),
                            AlertState.FIRING, timestamp, false);
                }
                yield new Step(state.at(timestamp, arrival), null, timestamp, false);
            }
            case FIRING -> {
                // With overlapping conditions (when = value > 30, clear-when = value < 35) a steady 31 satisfies
                // both; it must keep the alert firing, not flap it on every reading.
                if (!clear || when) {
                    yield new Step(new State(AlertState.FIRING, state.since(), NONE, timestamp, arrival), null,
                            timestamp, false);
                }
                long clearSince = state.clearSince() == NONE ? timestamp : state.clearSince();
                if (timestamp - clearSince >= timing.clearForMillis()) {
                    yield new Step(inactive(timestamp, arrival), AlertState.RESOLVED, timestamp, false);
                }
                yield new Step(new State(AlertState.FIRING, state.since(), clearSince, timestamp, arrival), null,
                        timestamp, false);
            }
        };
    }

    /**
     * Lets the clock finish a running {@code for} or {@code clear-for} when no observation came: the deadline in
     * event time is {@code since + for}; it counts as passed once as much processing time has gone by since the last
     * observation arrived as event time separated that observation from the deadline.
     *
     * @return a step with a transition, or null when nothing is due
     */
    public static Step advance(State state, long now, Timing timing) {
        long at = wakeUp(state, timing);
        if (at == NONE || now < at) {
            return null;
        }
        if (state.phase() == AlertState.PENDING) {
            long deadline = state.since() + timing.forMillis();
            return new Step(new State(AlertState.FIRING, state.since(), NONE, deadline, now), AlertState.FIRING,
                    deadline, false);
        }
        long deadline = state.clearSince() + timing.clearForMillis();
        return new Step(inactive(deadline, now), AlertState.RESOLVED, deadline, false);
    }

    /** The processing time at which {@link #advance} will act, or {@link #NONE} if it never will on its own. */
    public static long wakeUp(State state, Timing timing) {
        if (state.lastArrival() == NONE) {
            return NONE;
        }
        if (state.phase() == AlertState.PENDING) {
            return state.lastArrival() + Math.max(0, state.since() + timing.forMillis() - state.lastTimestamp());
        }
        if (state.phase() == AlertState.FIRING && state.clearSince() != NONE) {
            return state.lastArrival() + Math.max(0, state.clearSince() + timing.clearForMillis() - state.lastTimestamp());
        }
        return NONE;
    }

    /** Forces the alert to fire at {@code timestamp}: a deadman that heard nothing for too long. */
    static Step fire(State state, long since, long timestamp, long now) {
        return new Step(new State(AlertState.FIRING, since, NONE, timestamp, now), AlertState.FIRING, timestamp, false);
    }

    /** Resolves a firing alert at {@code timestamp}: a silent sensor spoke again. */
    static Step resolve(long timestamp, long now) {
        return new Step(inactive(timestamp, now), AlertState.RESOLVED, timestamp, false);
    }

    private static State inactive(long timestamp, long arrival) {
        return new State(AlertState.INACTIVE, NONE, NONE, timestamp, arrival);
    }
}
