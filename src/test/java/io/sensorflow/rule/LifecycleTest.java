package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LifecycleTest {

    private static final Lifecycle.Timing NOW = Lifecycle.Timing.IMMEDIATE;
    private static final Lifecycle.Timing FOR_10S = new Lifecycle.Timing(10_000, 0);
    private static final Lifecycle.Timing CLEAR_FOR_5S = new Lifecycle.Timing(0, 5_000);

    /** Feeds an observation that arrives exactly at its own event time. */
    private static Lifecycle.Step at(Lifecycle.State state, long t, boolean when, boolean clear, Lifecycle.Timing timing) {
        return Lifecycle.next(state, t, t, when, clear, timing);
    }

    private static Lifecycle.Step at(Lifecycle.State state, long t, boolean when, Lifecycle.Timing timing) {
        return at(state, t, when, !when, timing);
    }

    @Test
    void firesOnTheFirstObservationWhenForIsZero() {
        Lifecycle.Step step = at(Lifecycle.State.INITIAL, 1_000, true, NOW);
        assertThat(step.transition()).isEqualTo(AlertState.FIRING);
        assertThat(step.state().since()).isEqualTo(1_000);
    }

    @Test
    void firesOnlyOnceWhileTheValueStaysAboveTheLimit() {
        Lifecycle.State state = at(Lifecycle.State.INITIAL, 1_000, true, NOW).state();
        for (long t = 2_000; t < 10_000; t += 1_000) {
            Lifecycle.Step step = at(state, t, true, NOW);
            assertThat(step.transition()).as("at %d", t).isNull();
            state = step.state();
        }
        assertThat(state.phase()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void firesExactlyWhenTheValueHasHeldForTheWholeDuration() {
        Lifecycle.Step pending = at(Lifecycle.State.INITIAL, 0, true, FOR_10S);
        assertThat(pending.transition()).isEqualTo(AlertState.PENDING);
        Lifecycle.Step stillPending = at(pending.state(), 9_999, true, FOR_10S);
        assertThat(stillPending.transition()).as("one millisecond short of for").isNull();
        Lifecycle.Step fired = at(stillPending.state(), 10_000, true, FOR_10S);
        assertThat(fired.transition()).as("exactly at for").isEqualTo(AlertState.FIRING);
        assertThat(fired.state().since()).as("since is when the condition started to hold").isZero();
    }

    @Test
    void aPendingAlertThatStopsHoldingStartsOver() {
        Lifecycle.State state = at(Lifecycle.State.INITIAL, 0, true, FOR_10S).state();
        Lifecycle.Step dropped = at(state, 5_000, false, FOR_10S);
        assertThat(dropped.transition()).isEqualTo(AlertState.INACTIVE);
        Lifecycle.State again = at(dropped.state(), 6_000, true, FOR_10S).state();
        assertThat(at(again, 15_999, true, FOR_10S).transition()).as("the clock restarted at 6 s").isNull();
        assertThat(at(again, 16_000, true, FOR_10S).transition()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void hysteresisKeepsFiringUntilTheClearConditionHolds() {
        Lifecycle.State state = at(Lifecycle.State.INITIAL, 0, true, NOW).state();
        Lifecycle.Step between = at(state, 1_000, false, false, NOW);
        assertThat(between.transition()).as("below when, above clear").isNull();
        assertThat(between.state().phase()).isEqualTo(AlertState.FIRING);
        assertThat(at(between.state(), 2_000, false, true, NOW).transition()).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void overlappingConditionsKeepFiringInsteadOfFlapping() {
        Lifecycle.State state = at(Lifecycle.State.INITIAL, 0, true, NOW).state();
        Lifecycle.Step both = at(state, 1_000, true, true, NOW);
        assertThat(both.transition()).isNull();
        assertThat(both.state().phase()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void clearForResolvesOnlyWhenTheClearConditionHeldForTheWholeDuration() {
        Lifecycle.State state = at(Lifecycle.State.INITIAL, 0, true, CLEAR_FOR_5S).state();
        Lifecycle.State clearing = at(state, 1_000, false, CLEAR_FOR_5S).state();
        assertThat(clearing.phase()).isEqualTo(AlertState.FIRING);
        assertThat(clearing.clearSince()).isEqualTo(1_000);
        Lifecycle.Step relapse = at(clearing, 3_000, true, CLEAR_FOR_5S);
        assertThat(relapse.state().clearSince()).as("a relapse restarts clear-for").isEqualTo(Lifecycle.NONE);
        Lifecycle.State clearingAgain = at(relapse.state(), 4_000, false, CLEAR_FOR_5S).state();
        assertThat(at(clearingAgain, 8_999, false, CLEAR_FOR_5S).transition()).isNull();
        Lifecycle.Step resolved = at(at(clearingAgain, 8_999, false, CLEAR_FOR_5S).state(), 9_000, false, CLEAR_FOR_5S);
        assertThat(resolved.transition()).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void ignoresObservationsOlderThanTheNewestOne() {
        Lifecycle.State firing = at(Lifecycle.State.INITIAL, 5_000, true, NOW).state();
        Lifecycle.Step late = at(firing, 4_000, false, NOW);
        assertThat(late.late()).isTrue();
        assertThat(late.transition()).isNull();
        assertThat(late.state()).isEqualTo(firing);
    }

    @Test
    void theClockFiresAPendingAlertWhenNoObservationComes() {
        // A sensor that reports only on change: 35 at t=0, then silence.
        Lifecycle.State pending = Lifecycle.next(Lifecycle.State.INITIAL, 0, 100, true, false, FOR_10S).state();
        assertThat(Lifecycle.wakeUp(pending, FOR_10S)).isEqualTo(10_100);
        assertThat(Lifecycle.advance(pending, 10_099, FOR_10S)).as("one millisecond early").isNull();
        Lifecycle.Step fired = Lifecycle.advance(pending, 10_100, FOR_10S);
        assertThat(fired.transition()).isEqualTo(AlertState.FIRING);
        assertThat(fired.timestamp()).as("the event time of the deadline").isEqualTo(10_000);
        assertThat(fired.state().lastTimestamp()).isEqualTo(10_000);
        assertThat(Lifecycle.next(fired.state(), 9_000, 10_200, false, true, FOR_10S).late())
                .as("a reading from before the deadline can no longer undo it").isTrue();
    }

    @Test
    void theClockMeasuresFromArrivalSoABacklogIsJudgedByItsOwnReadings() {
        // An hour-old reading arrives now (a broker backlog): its for must not count as already elapsed.
        long hourAgo = 0;
        long now = 3_600_000;
        Lifecycle.State pending = Lifecycle.next(Lifecycle.State.INITIAL, hourAgo, now, true, false, FOR_10S).state();
        assertThat(Lifecycle.advance(pending, now + 1_000, FOR_10S)).isNull();
        Lifecycle.Step cleared = Lifecycle.next(pending, hourAgo + 2_000, now + 1_001, false, true, FOR_10S);
        assertThat(cleared.transition()).as("the next backlog reading decides").isEqualTo(AlertState.INACTIVE);
    }

    @Test
    void theClockFinishesClearFor() {
        Lifecycle.State firing = at(Lifecycle.State.INITIAL, 0, true, CLEAR_FOR_5S).state();
        Lifecycle.State clearing = at(firing, 1_000, false, CLEAR_FOR_5S).state();
        assertThat(Lifecycle.advance(clearing, 5_999, CLEAR_FOR_5S)).isNull();
        Lifecycle.Step resolved = Lifecycle.advance(clearing, 6_000, CLEAR_FOR_5S);
        assertThat(resolved.transition()).isEqualTo(AlertState.RESOLVED);
        assertThat(resolved.timestamp()).isEqualTo(6_000);
    }

    @Test
    void theClockLeavesSettledStatesAlone() {
        Lifecycle.State firing = at(Lifecycle.State.INITIAL, 0, true, NOW).state();
        assertThat(Lifecycle.advance(firing, Long.MAX_VALUE / 2, NOW)).isNull();
        assertThat(Lifecycle.wakeUp(firing, NOW)).isEqualTo(Lifecycle.NONE);
        assertThat(Lifecycle.advance(Lifecycle.State.INITIAL, 1_000_000, NOW)).isNull();
    }
}
