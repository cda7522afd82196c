package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LifecycleTest {

    private static final long FOR_10S = 10_000;

    @Test
    void firesOnTheFirstReadingWhenForIsZero() {
        Lifecycle.Step step = Lifecycle.next(Lifecycle.State.INITIAL, 1_000, true, false, 0);
        assertThat(step.transition()).isEqualTo(AlertState.FIRING);
        assertThat(step.state().since()).isEqualTo(1_000);
    }

    @Test
    void firesOnlyOnceWhileTheValueStaysAboveTheLimit() {
        Lifecycle.State state = Lifecycle.next(Lifecycle.State.INITIAL, 1_000, true, false, 0).state();
        for (long t = 2_000; t < 10_000; t += 1_000) {
            Lifecycle.Step step = Lifecycle.next(state, t, true, false, 0);
            assertThat(step.transition()).as("at %d", t).isNull();
            state = step.state();
        }
        assertThat(state.phase()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void firesWhenValueStaysAboveLimitForTheWholeDuration() {
        Lifecycle.Step pending = Lifecycle.next(Lifecycle.State.INITIAL, 0, true, false, FOR_10S);
        assertThat(pending.transition()).isEqualTo(AlertState.PENDING);
        Lifecycle.Step stillPending = Lifecycle.next(pending.state(), 9_999, true, false, FOR_10S);
        assertThat(stillPending.transition()).isNull();
        assertThat(stillPending.state().phase()).isEqualTo(AlertState.PENDING);
        Lifecycle.Step fired = Lifecycle.next(stillPending.state(), 10_000, true, false, FOR_10S);
        assertThat(fired.transition()).isEqualTo(AlertState.FIRING);
        assertThat(fired.state().since()).as("since is when the condition started to hold").isZero();
    }

    @Test
    void aDipDuringForStartsTheClockOver() {
        Lifecycle.State state = Lifecycle.next(Lifecycle.State.INITIAL, 0, true, false, FOR_10S).state();
        Lifecycle.Step dip = Lifecycle.next(state, 5_000, false, true, FOR_10S);
        assertThat(dip.state().phase()).isEqualTo(AlertState.INACTIVE);
        assertThat(dip.transition()).as("pending -> inactive is silent for actions").isEqualTo(AlertState.INACTIVE);
        state = Lifecycle.next(dip.state(), 6_000, true, false, FOR_10S).state();
        assertThat(Lifecycle.next(state, 12_000, true, false, FOR_10S).transition()).isNull();
        assertThat(Lifecycle.next(state, 16_000, true, false, FOR_10S).transition()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void staysFiringBetweenTheThresholdsAndResolvesOnlyWhenClearHolds() {
        Lifecycle.State firing = Lifecycle.next(Lifecycle.State.INITIAL, 0, true, false, 0).state();
        // 29 degrees with when = value > 30 and clear-when = value < 28: neither holds.
        Lifecycle.Step between = Lifecycle.next(firing, 1_000, false, false, 0);
        assertThat(between.transition()).isNull();
        assertThat(between.state().phase()).isEqualTo(AlertState.FIRING);
        Lifecycle.Step resolved = Lifecycle.next(between.state(), 2_000, false, true, 0);
        assertThat(resolved.transition()).isEqualTo(AlertState.RESOLVED);
        assertThat(resolved.state().phase()).isEqualTo(AlertState.INACTIVE);
    }

    @Test
    void aReadingFromThePastDoesNotFlipTheAlertBackwards() {
        Lifecycle.State firing = Lifecycle.next(Lifecycle.State.INITIAL, 5_000, true, false, 0).state();
        Lifecycle.Step late = Lifecycle.next(firing, 4_000, false, true, 0);
        assertThat(late.late()).isTrue();
        assertThat(late.transition()).isNull();
        assertThat(late.state()).isEqualTo(firing);
    }

    @Test
    void overlappingConditionsKeepASteadyValueFiringInsteadOfFlapping() {
        // when = value > 30, clear-when = value < 35, a steady 31: both hold.
        Lifecycle.State state = Lifecycle.next(Lifecycle.State.INITIAL, 0, true, true, 0).state();
        for (long t = 1_000; t <= 5_000; t += 1_000) {
            Lifecycle.Step step = Lifecycle.next(state, t, true, true, 0);
            assertThat(step.transition()).as("at %d", t).isNull();
            state = step.state();
        }
        assertThat(state.phase()).isEqualTo(AlertState.FIRING);
    }
}
