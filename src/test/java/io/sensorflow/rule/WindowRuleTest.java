package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WindowRuleTest {

    @Test
    void aTumblingWindowIsJudgedOnceItsEndHasPassed() {
        RuleHarness h = new RuleHarness("""
                avg-hot { type = window, window = 1m, aggregate = avg, when = "value > 30.0" }
                """);
        assertThat(h.read("a", "t", 40, 0)).isEmpty();
        assertThat(h.read("a", "t", 30, 30_000)).isEmpty();
        assertThat(h.read("a", "t", 10, 59_999)).as("still inside the first window").isEmpty();
        List<AlertEvent> closed = h.read("a", "t", 10, 60_000);
        assertThat(closed).as("avg(40, 30, 10) = 26.7 is not above 30").isEmpty();
        assertThat(h.read("a", "t", 70, 90_000)).isEmpty();
        assertThat(h.read("a", "t", 50, 120_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.value()).as("avg(10, 70) of [1m, 2m)").isEqualTo(40.0);
        });
    }

    @Test
    void theAggregateAndTheWindowAreInTheAlert() {
        RuleHarness h = new RuleHarness("""
                peak { type = window, window = 1m, aggregate = max, when = "value > 30.0 && count >= 2" }
                """);
        h.read("a", "t", 31, 1_000);
        h.read("a", "t", 35, 2_000);
        assertThat(h.read("a", "t", 0, 60_000)).singleElement().satisfies(e -> {
            assertThat(e.value()).isEqualTo(35.0);
            assertThat(e.timestamp()).as("judged at the window's end").isEqualTo(60_000);
            assertThat(e.inputs()).containsEntry("count", 2L).containsEntry("window_start", 0L)
                    .containsEntry("window_end", 60_000L);
        });
    }

    @Test
    void aSlidingWindowIsJudgedAtEveryStep() {
        RuleHarness h = new RuleHarness("""
                sum { type = window, window = 30s, every = 10s, aggregate = sum, when = "value >= 3.0" }
                """);
        h.read("a", "t", 1, 0);
        h.read("a", "t", 1, 10_000);
        h.read("a", "t", 1, 20_000);
        // [0,30s) holds 3 samples: the window ending at 30 s fires; ending at 40 s it holds 2.
        assertThat(h.read("a", "t", 0, 30_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.timestamp()).isEqualTo(30_000);
        });
        assertThat(h.read("a", "t", 0, 40_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(e.value()).isEqualTo(2.0);
        });
    }

    @Test
    void readingsWithinAllowedLatenessCountAndLaterOnesAreDroppedAndCounted() {
        RuleHarness h = new RuleHarness("""
                cnt { type = window, window = 1m, aggregate = count, allowed-lateness = 30s, when = "value >= 3.0" }
                """);
        h.read("a", "t", 1, 10_000);
        h.read("a", "t", 1, 20_000);
        h.read("a", "t", 1, 89_999);
        assertThat(h.read("a", "t", 1, 50_000)).as("late but inside allowed-lateness").isEmpty();
        assertThat(h.late("cnt")).isZero();
        assertThat(h.read("a", "t", 1, 90_000)).as("the lateness edge closes [0, 1m)").singleElement()
                .satisfies(e -> assertThat(e.value()).isEqualTo(3.0));
        assertThat(h.read("a", "t", 1, 59_999)).as("its window was already judged").isEmpty();
        assertThat(h.late("cnt")).isEqualTo(1.0);
    }

    @Test
    void groupByAggregatesAcrossTheSensorsOfATag() {
        RuleHarness h = new RuleHarness("""
                room-hot { type = window, window = 1m, group-by = room, when = "value > 30.0", actions = [fan] }
                """);
        h.read("s1", "t", 40, 0, Map.of("room", "lab"));
        h.read("s2", "t", 30, 0, Map.of("room", "lab"));
        h.read("s3", "t", 10, 0, Map.of("room", "office"));
        h.read("s4", "t", 99, 0);
        List<AlertEvent> closed = h.read("s1", "t", 0, 60_000, Map.of("room", "lab"));
        assertThat(closed).singleElement().satisfies(e -> {
            assertThat(e.group()).isEqualTo("lab");
            assertThat(e.sensor()).isEmpty();
            assertThat(e.value()).isEqualTo(35.0);
            assertThat(e.tags()).isEqualTo(Map.of("room", "lab"));
        });
        assertThat(h.read("s3", "t", 0, 60_000, Map.of("room", "office"))).isEmpty();
    }

    @Test
    void emptyWindowsAreSkippedAcrossALongGap() {
        RuleHarness h = new RuleHarness("""
                cnt { type = window, window = 10s, every = 1s, aggregate = count, when = "value >= 1.0" }
                """);
        h.read("a", "t", 1, 0);
        long start = System.nanoTime();
        List<AlertEvent> events = h.read("a", "t", 1, 365L * 24 * 3600 * 1000);
        assertThat(System.nanoTime() - start).as("a year of gap is not walked second by second").isLessThan(1_000_000_000L);
        assertThat(events).extracting(AlertEvent::state).containsExactly(AlertState.FIRING);
    }

    @Test
    void aRedeliveredReadingIsNotCountedTwice() {
        RuleHarness h = new RuleHarness("""
                cnt { type = window, window = 1m, aggregate = count, when = "value >= 3.0" }
                """);
        h.read("a", "t", 1, 10_000);
        h.read("a", "t", 1, 20_000);
        h.read("a", "t", 1, 20_000);
        assertThat(h.read("a", "t", 1, 60_000)).as("two readings, one of them delivered twice").isEmpty();
    }
}
