package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.testing.ManualClock;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts of a restart that need no store: the rebuild horizon, memory refilled without judging, late readings. */
class RestartRecoveryTest {

    private final ManualClock clock = new ManualClock(1_000_000);
    private final AlertBoard board = new AlertBoard();

    private RuleEngine engine(String rules) {
        return new RuleEngine(RuleHarness.parse(rules), clock, board, new Metrics());
    }

    @Test
    void aStoredReadingNewerThanTheStateCountsAsJudgedAtThePaceItWasTaken() {
        Lifecycle.State firing = new Lifecycle.State(AlertState.FIRING, 0, 110_000, 120_000, 125_000);
        assertThat(RestartRecovery.judgedUpTo(firing, 130_000))
                .isEqualTo(new Lifecycle.State(AlertState.FIRING, 0, 110_000, 130_000, 135_000));
    }

    @Test
    void aStoredReadingWithNothingJudgedBeforeItCountsAsArrivedAtItsOwnTime() {
        assertThat(RestartRecovery.judgedUpTo(Lifecycle.State.INITIAL, 130_000))
                .isEqualTo(new Lifecycle.State(AlertState.INACTIVE, Lifecycle.NONE, Lifecycle.NONE, 130_000, 130_000));
    }

    @Test
    void theRebuildHorizonIsTheLongestMemoryOfAnyRule() {
        assertThat(engine("""
                hot { when = "value > 30.0" }
                silent { type = deadman, after = 1h }
                """).rebuildHorizon()).as("thresholds and deadmen remember nothing").isZero();
        assertThat(engine("""
                hot { when = "value > 30.0" }
                avg { type = window, window = 10m, when = "value > 30.0" }
                rising { type = rate, window = 15m, when = "value > 1.0" }
                """).rebuildHorizon()).isEqualTo(900_000);
    }

    @Test
    void storedReadingsRefillWindowsWithoutBeingJudgedAgain() {
        String rules = """
                avg { type = window, window = 1m, when = "value > 30.0" }
                """;
        List<Reading> stored = List.of(new Reading("a", "t", 35, 0, "store"),
                new Reading("a", "t", 35, 30_000, "store"), new Reading("a", "t", 35, 70_000, "store"));
        RuleEngine live = new RuleEngine(RuleHarness.parse(rules), clock, new AlertBoard(), new Metrics());
        assertThat(stored.stream().flatMap(r -> live.onReading(r).stream()))
                .as("judged live, these readings fire").isNotEmpty();

        RuleEngine restarted = engine(rules);
        stored.forEach(restarted::rebuild);
        assertThat(restarted.drainChanges()).isEmpty();
        assertThat(board.snapshot()).isEmpty();
    }

    @Test
    void aDeadmanTakesAStoredStateReadingAsTheLastSignOfLife() {
        RuleEngine restarted = engine("""
                silent { type = deadman, after = 5m, actions = [page] }
                """);
        long heard = clock.millis() - 60_000;
        restarted.restore(List.of(), List.of(io.sensorflow.model.LatestReading.ofState("door-1", "state", "open",
                heard, java.util.Map.of())));
        clock.advance(180_000);
        assertThat(restarted.onTick()).as("silent for 4 of 5 minutes").isEmpty();
        clock.advance(60_000);
        assertThat(restarted.onTick()).singleElement().satisfies(event -> {
            assertThat(event.state()).isEqualTo(AlertState.FIRING);
            assertThat(event.sensor()).isEqualTo("door-1");
            assertThat(event.timestamp()).isEqualTo(heard + 300_000);
        });
    }
}
