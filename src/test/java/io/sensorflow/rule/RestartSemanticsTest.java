package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a restart (after a crash) keeps, resumes and does not repeat. See docs/rules.md, "Restarts". */
class RestartSemanticsTest {

    private static final String HOT = """
            hot { when = "value > 30.0", clear-when = "value < 28.0", for = 2m, actions = [fan] }
            """;

    @Test
    void aFiringAlertStaysFiringWithoutFiringAgain() {
        RuleHarness h = new RuleHarness(HOT);
        h.read("a", "t", 35, 0);
        String id = h.read("a", "t", 35, 120_000).get(0).id();
        assertThat(h.restart(600_000)).as("no second firing, no second action").isEmpty();
        assertThat(h.lastBoard.snapshot()).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(AlertState.FIRING);
            assertThat(s.id()).isEqualTo(id);
        });
        assertThat(h.read("a", "t", 36, 601_000)).isEmpty();
        assertThat(h.read("a", "t", 20, 602_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(e.id()).as("the same episode resolves").isEqualTo(id);
            assertThat(e.actions()).containsExactly("fan");
        });
    }

    @Test
    void aRedeliveredReadingThatWasAlreadyCommittedIsLate() {
        RuleHarness h = new RuleHarness(HOT);
        h.read("a", "t", 35, 0);
        h.read("a", "t", 35, 120_000);
        h.read("a", "t", 20, 130_000);
        h.restart(200_000);
        // The broker never got the ack for the 35 at 120 s and sends it again.
        assertThat(h.read("a", "t", 35, 120_000)).isEmpty();
        assertThat(h.lastBoard.snapshot()).isEmpty();
    }

    @Test
    void aRunningForResumesFromItsPersistedStartInsteadOfStartingOver() {
        RuleHarness h = new RuleHarness(HOT);
        h.read("a", "t", 35, 0);
        h.read("a", "t", 35, 60_000);
        // Down for 20 s; the readings resume at 80 s. The for started at 0 s, so 120 s is the deadline.
        assertThat(h.restart(80_000)).isEmpty();
        assertThat(h.read("a", "t", 35, 100_000)).isEmpty();
        assertThat(h.read("a", "t", 35, 120_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.since()).isZero();
        });
    }

    @Test
    void aForDeadlineThatPassedWhileDownFiresAtOnceOnStart() {
        RuleHarness h = new RuleHarness(HOT);
        h.read("a", "t", 35, 0);
        List<AlertEvent> atStart = h.restart(600_000);
        assertThat(atStart).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.timestamp()).as("at the deadline, in event time").isEqualTo(120_000);
            assertThat(e.actions()).containsExactly("fan");
        });
    }

    @Test
    void aDeadmanWhoseSilenceEndedWhileDownFiresAtOnceOnStart() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 5m, actions = [page] }
                """);
        h.read("gw", "heartbeat", 1, 0);
        h.read("gw", "heartbeat", 1, 60_000);
        List<AlertEvent> atStart = h.restart(3_600_000);
        assertThat(atStart).singleElement().satisfies(e -> {
            assertThat(e.sensor()).isEqualTo("gw");
            assertThat(e.since()).as("silent since the last stored reading").isEqualTo(60_000);
        });
    }

    @Test
    void aFiringDeadmanIsNotFiredAgainAfterARestart() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 5m, actions = [page] }
                """);
        h.read("gw", "heartbeat", 1, 0);
        assertThat(h.tick(300_000)).hasSize(1);
        assertThat(h.restart(900_000)).isEmpty();
        assertThat(h.read("gw", "heartbeat", 1, 901_000)).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void windowContentsAreRebuiltFromStoredReadings() {
        RuleHarness h = new RuleHarness("""
                avg { type = window, window = 10m, group-by = room, when = "value > 30.0 && count >= 4" }
                """);
        Map<String, String> lab = Map.of("room", "lab");
        h.read("s1", "t", 35, 0, lab);
        h.read("s2", "t", 35, 60_000, lab);
        h.read("s1", "t", 35, 120_000, lab);
        h.restart(150_000);
        h.read("s2", "t", 35, 180_000, lab);
        // The window [0, 10m) holds all four readings only if the three from before the restart were rebuilt.
        assertThat(h.read("s1", "t", 0, 600_000, lab)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.inputs()).containsEntry("count", 4L);
        });
    }

    @Test
    void aWindowStillOpenIsRefilledAfterAStopLongerThanTheWindow() {
        RuleHarness h = new RuleHarness("""
                avg { type = window, window = 1m, when = "value > 30.0 && count >= 4" }
                """);
        h.read("s1", "t", 35, 0);
        h.read("s1", "t", 35, 10_000);
        h.read("s1", "t", 35, 20_000);
        // Down for ten minutes; the sensor's backlog comes after the start, in event time.
        h.restart(620_000);
        h.read("s1", "t", 35, 30_000);
        // [0, 1m) holds four readings only if the three stored were rebuilt: from the newest stored reading back, not
        // from the clock.
        assertThat(h.read("s1", "t", 35, 60_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.inputs()).containsEntry("count", 4L);
        });
    }

    @Test
    void cooldownSurvivesARestart() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", cooldown = 1h, actions = [fan] }
                """);
        h.read("a", "t", 35, 0);
        h.read("a", "t", 20, 60_000);
        h.restart(120_000);
        assertThat(h.read("a", "t", 35, 180_000)).singleElement().satisfies(e -> {
            assertThat(e.actions()).isEmpty();
            assertThat(e.muted()).isEqualTo("cooldown");
        });
    }

    @Test
    void stateOfARuleWhoseTypeChangedIsDropped() {
        RuleHarness h = new RuleHarness(HOT);
        h.read("a", "t", 35, 0);
        h.read("a", "t", 35, 120_000);
        RuleHarness other = new RuleHarness("""
                hot { type = rate, window = 1m, when = "value > 100.0" }
                """);
        other.committed.putAll(h.committed);
        other.stored.addAll(h.stored);
        assertThat(other.restart(130_000)).isEmpty();
        assertThat(other.lastBoard.snapshot()).isEmpty();
    }

    @Test
    void aListedDeadmanSensorSilentWhileDownFiresAtOnceOnStart() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 5m, sensors = [gw-1] }
                """);
        h.read("gw-1", "heartbeat", 1, 60_000);
        assertThat(h.restart(3_600_000)).singleElement().satisfies(e -> {
            assertThat(e.sensor()).isEqualTo("gw-1");
            assertThat(e.since()).as("from its stored reading, not from start-up").isEqualTo(60_000);
        });
    }

    @Test
    void stateOfARuleWhoseGroupingChangedIsDropped() {
        RuleHarness h = new RuleHarness("""
                avg { type = window, window = 1m, group-by = zone, when = "value > 30.0" }
                """);
        h.read("s1", "t", 35, 0, Map.of("zone", "north", "room", "a"));
        h.read("s1", "t", 35, 60_000, Map.of("zone", "north", "room", "a"));
        assertThat(h.board.snapshot()).hasSize(1);
        RuleHarness other = new RuleHarness("""
                avg { type = window, window = 1m, group-by = room, when = "value > 30.0" }
                """);
        other.committed.putAll(h.committed);
        other.stored.addAll(h.stored);
        other.restart(70_000);
        assertThat(other.lastBoard.snapshot()).as("the zone=north alert cannot come back under room grouping").isEmpty();
    }
}
