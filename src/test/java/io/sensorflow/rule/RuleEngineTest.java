package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class RuleEngineTest {

    private static final String TOO_HOT = """
            too-hot {
              match { metric = "temp*" }
              when = "value > 30.0"
              clear-when = "value < 28.0"
              severity = critical
              actions = [fan]
            }
            """;

    @Test
    void emitsFiringAndResolvedWithTheSameEpisodeIdAndTheirActions() {
        RuleHarness h = new RuleHarness(TOO_HOT, 500);
        List<AlertEvent> fired = h.read("a", "temperature", 31, 1_000);
        assertThat(fired).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.severity()).isEqualTo("critical");
            assertThat(e.sensor()).isEqualTo("a");
            assertThat(e.actions()).containsExactly("fan");
            assertThat(e.inputs()).containsEntry("value", 31.0);
        });
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);

        assertThat(h.read("a", "temperature", 29, 2_000)).as("hysteresis").isEmpty();
        List<AlertEvent> resolved = h.read("a", "temperature", 27, 3_000);
        assertThat(resolved).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(e.id()).isEqualTo(fired.get(0).id());
            assertThat(e.since()).isEqualTo(1_000);
            assertThat(e.actions()).containsExactly("fan");
        });
        assertThat(h.board.snapshot()).isEmpty();
    }

    @Test
    void keepsStateSeparatePerSensor() {
        RuleHarness h = new RuleHarness(TOO_HOT);
        assertThat(h.read("a", "temperature", 31, 1_000)).hasSize(1);
        assertThat(h.read("b", "temperature", 31, 1_000)).hasSize(1);
        assertThat(h.read("a", "temperature", 32, 2_000)).isEmpty();
        assertThat(h.board.snapshot()).extracting(AlertStatus::sensor).containsExactly("a", "b");
    }

    @Test
    void ignoresReadingsTheRuleDoesNotMatch() {
        RuleHarness h = new RuleHarness(TOO_HOT);
        assertThat(h.read("a", "humidity", 99, 1_000)).isEmpty();
        assertThat(h.board.snapshot()).isEmpty();
    }

    @Test
    void matchesOnTagGlobs() {
        RuleHarness h = new RuleHarness("""
                lab-only { match { tags { room = "lab-*" } }, when = "value > 1.0" }
                """);
        assertThat(h.read("a", "t", 5, 1_000, Map.of("room", "office"))).isEmpty();
        assertThat(h.read("b", "t", 5, 1_000)).as("no room tag at all").isEmpty();
        assertThat(h.read("c", "t", 5, 1_000, Map.of("room", "lab-2"))).singleElement()
                .satisfies(e -> assertThat(e.tags()).containsEntry("room", "lab-2"));
    }

    @Test
    void aLateReadingNeverFlipsAThresholdAlertBackwards() {
        RuleHarness h = new RuleHarness(TOO_HOT);
        h.read("a", "temperature", 31, 5_000);
        assertThat(h.read("a", "temperature", 20, 4_000)).isEmpty();
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);
        assertThat(h.late("too-hot")).isEqualTo(1.0);
    }

    @Test
    void aConditionThatFailsAtRunTimeIsUnknownNotFalse() {
        RuleHarness h = new RuleHarness("""
                by-tag { when = "tags['x'] == 'y'" }
                """);
        assertThat(h.read("a", "t", 1, 1_000)).isEmpty();
        assertThat(h.metrics.ruleErrors("by-tag").get()).isEqualTo(1.0);
    }

    @Test
    void theClockFiresAPendingAlertWhenTheSensorReportsOnlyOnChange() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", for = 1m, actions = [fan] }
                """);
        assertThat(h.read("a", "t", 35, 0)).isEmpty();
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.PENDING);
        assertThat(h.tick(59_999)).isEmpty();
        assertThat(h.tick(60_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.timestamp()).isEqualTo(60_000);
            assertThat(e.since()).isZero();
        });
        assertThat(h.tick(120_000)).as("fires once").isEmpty();
    }

    @Test
    void aReadingThatStopsHoldingBeforeTheDeadlineCancelsThePendingAlert() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", for = 1m }
                """);
        h.read("a", "t", 35, 0);
        h.read("a", "t", 25, 30_000);
        assertThat(h.tick(600_000)).isEmpty();
        assertThat(h.board.snapshot()).isEmpty();
    }

    @Test
    void clearForKeepsTheAlertFiringUntilTheValueStayedLowLongEnough() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", clear-for = 2m, actions = [fan] }
                """);
        h.read("a", "t", 35, 0);
        assertThat(h.read("a", "t", 20, 60_000)).isEmpty();
        assertThat(h.read("a", "t", 20, 179_999)).isEmpty();
        assertThat(h.read("a", "t", 20, 180_000)).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(AlertState.RESOLVED));
    }

    @Test
    void actionsRunOnlyOnTheTransitionsTheyAskFor() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [ { action = page, on = [firing] }, fan ] }
                """);
        assertThat(h.read("a", "t", 35, 0)).singleElement()
                .satisfies(e -> assertThat(e.actions()).containsExactly("page", "fan"));
        assertThat(h.read("a", "t", 20, 1_000)).singleElement()
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
    }

    @Test
    void repeatEveryRunsTheFiringActionsAgainWhileFiring() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [ { action = page, on = [firing], repeat-every = 10m }, fan ] }
                """);
        h.read("a", "t", 35, 0);
        assertThat(h.tick(599_999)).isEmpty();
        assertThat(h.tick(600_000)).singleElement().satisfies(e -> {
            assertThat(e.repeat()).isTrue();
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.actions()).containsExactly("page");
        });
        assertThat(h.tick(600_500)).isEmpty();
        assertThat(h.tick(1_200_000)).hasSize(1);
        h.read("a", "t", 20, 1_300_000);
        assertThat(h.tick(1_800_000)).as("no repeats once resolved").isEmpty();
    }

    @Test
    void cooldownHoldsBackTheActionsOfAFlappingSensorButNotTheAlert() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", cooldown = 10m, actions = [fan] }
                """);
        assertThat(h.read("a", "t", 35, 0)).singleElement().satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
        assertThat(h.read("a", "t", 20, 60_000)).singleElement().satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
        List<AlertEvent> flap = h.read("a", "t", 35, 120_000);
        assertThat(flap).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.actions()).isEmpty();
            assertThat(e.muted()).isEqualTo("cooldown");
        });
        assertThat(h.read("a", "t", 20, 180_000)).singleElement().satisfies(e -> {
            assertThat(e.actions()).as("its resolved actions are held back too").isEmpty();
            assertThat(e.muted()).isEqualTo("cooldown");
        });
        assertThat(h.read("a", "t", 35, 600_000)).singleElement()
                .satisfies(e -> assertThat(e.actions()).as("exactly at the end of the cooldown").containsExactly("fan"));
    }

    @Test
    void deadmanFiresAfterSilenceAndResolvesOnTheNextReading() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, match { sensor = "gw-*" }, after = 5m, actions = [page] }
                """);
        h.read("gw-1", "heartbeat", 1, 0);
        h.read("gw-1", "uptime", 100, 60_000);
        assertThat(h.tick(359_999)).isEmpty();
        assertThat(h.tick(360_000)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.sensor()).isEqualTo("gw-1");
            assertThat(e.since()).as("silent since the last reading").isEqualTo(60_000);
            assertThat(e.timestamp()).isEqualTo(360_000);
        });
        assertThat(h.tick(900_000)).as("fires once").isEmpty();
        assertThat(h.read("gw-1", "heartbeat", 1, 901_000)).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(AlertState.RESOLVED));
    }

    @Test
    void deadmanWatchesListedSensorsThatNeverSpoke() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 1m, sensors = [gw-9] }
                """, 1_000);
        assertThat(h.tick(60_999)).isEmpty();
        assertThat(h.tick(61_000)).singleElement().extracting(AlertEvent::sensor).isEqualTo("gw-9");
    }

    @Test
    void aPartitionWatchesOnlyTheListedSensorsItOwnsSoOneShardFiresForEach() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 1m, sensors = [gw-1, gw-2] }
                """, 1_000);
        h.engine = h.engine.partition(key -> key.sensor().equals("gw-2"), new Inhibitions());
        assertThat(h.tick(61_000)).singleElement().extracting(AlertEvent::sensor).isEqualTo("gw-2");
        // The other shard, made at 61 s (as on the node it moved to), watches its own sensor from then.
        h.engine = h.engine.partition(key -> key.sensor().equals("gw-1"), new Inhibitions());
        assertThat(h.tick(120_999)).isEmpty();
        assertThat(h.tick(121_000)).singleElement().extracting(AlertEvent::sensor).isEqualTo("gw-1");
    }

    @Test
    void partitionsJudgeTheirOwnSensorsAndGroupsSoEachAlertFiresInExactlyOne() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0" }
                room-hot { type = window, window = 1m, group-by = room, when = "value > 30.0" }
                """);
        // Shard a holds sensor s1 and the group lab, shard b sensor s2. Each is given every reading here, as the
        // intake sends a reading to its sensor's shard and to the shards of its groups.
        java.util.function.Predicate<AlertKey> ownsA = key -> key.sensor().equals("s1") || key.group().equals("lab");
        RuleEngine a = h.engine.partition(ownsA, new Inhibitions());
        RuleEngine b = h.engine.partition(key -> key.sensor().equals("s2"), new Inhibitions());
        List<Reading> readings = List.of(new Reading("s1", "t", 40, 0, Map.of("room", "lab"), "test"),
                new Reading("s2", "t", 35, 0, Map.of("room", "lab"), "test"));
        List<AlertEvent> fromA = new ArrayList<>();
        List<AlertEvent> fromB = new ArrayList<>();
        for (Reading reading : readings) {
            fromA.addAll(a.onReading(reading));
            fromB.addAll(b.onReading(reading));
        }
        assertThat(fromA).extracting(AlertEvent::rule, AlertEvent::sensor).containsExactly(tuple("hot", "s1"));
        assertThat(fromB).extracting(AlertEvent::rule, AlertEvent::sensor).containsExactly(tuple("hot", "s2"));
        assertThat(a.slotCount()).as("hot/s1 and room-hot/lab").isEqualTo(2);
        assertThat(b.slotCount()).as("hot/s2").isEqualTo(1);

        // Shard a moves at 30 s: its new owner takes its own states only, and refills the group's window from the
        // stored readings of every sensor, its own and shard b's.
        List<RuleState> committed = new ArrayList<>(a.drainChanges());
        committed.addAll(b.drainChanges());
        h.clock.set(30_000);
        RuleEngine moved = h.engine.partition(ownsA, new Inhibitions());
        io.sensorflow.rule.testing.VirtualTime.resume(moved, committed, readings, 30_000);
        assertThat(moved.slotCount()).as("hot/s1 and room-hot/lab, not hot/s2").isEqualTo(2);
        h.clock.set(60_000);
        Reading closing = new Reading("s2", "t", 0, 60_000, Map.of("room", "lab"), "test");
        assertThat(moved.onReading(closing)).singleElement().satisfies(e -> {
            assertThat(e.rule()).isEqualTo("room-hot");
            assertThat(e.group()).isEqualTo("lab");
            assertThat(e.value()).as("the mean of both sensors' readings").isEqualTo(37.5);
        });
        assertThat(b.onReading(closing)).extracting(AlertEvent::rule, AlertEvent::state)
                .containsExactly(tuple("hot", AlertState.RESOLVED));
    }

    @Test
    void aPartitionsAlertsAreMutedByInhibitorsThatFireInOtherShards() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [fan] }
                gateway-down { match { metric = online }, when = "value < 1.0", inhibit { rules = ["hot"], equal = [gw] } }
                """);
        Inhibitions elsewhere = new Inhibitions();
        RuleEngine shard = h.engine.partition(key -> key.sensor().startsWith("s"), elsewhere);
        // gw-1's alert fires in another shard; this one learns of it from the store.
        elsewhere.replace(List.of(new RuleState("gateway-down", "threshold", "gw-1", "online", "",
                AlertState.FIRING, 0, Long.MIN_VALUE, 0, 0, "episode-1", 0, 0, new long[0], null, 0,
                Map.of("gw", "gw-1"))), RuleHarness.parse(h.rules).stream()
                .collect(java.util.stream.Collectors.toMap(Rule::name, rule -> rule)));
        assertThat(shard.onReading(new Reading("s1", "t", 40, 1_000, Map.of("gw", "gw-1"), "test")))
                .singleElement().satisfies(e -> {
                    assertThat(e.muted()).isEqualTo("inhibited by gateway-down gw-1/online");
                    assertThat(e.actions()).isEmpty();
                });
        assertThat(shard.onReading(new Reading("s2", "t", 40, 1_000, Map.of("gw", "gw-2"), "test")))
                .singleElement().satisfies(e -> {
                    assertThat(e.muted()).isNull();
                    assertThat(e.actions()).containsExactly("fan");
                });
        elsewhere.replace(List.of(), Map.of());
        assertThat(shard.onReading(new Reading("s3", "t", 40, 1_000, Map.of("gw", "gw-1"), "test")))
                .as("the gateway resolved").singleElement().satisfies(e -> assertThat(e.muted()).isNull());
    }

    @Test
    void episodeIdsAreStableAndDistinct() {
        AlertKey key = AlertKey.series("s", "m");
        assertThat(RuleEngine.episodeId("r", key, 1)).isEqualTo(RuleEngine.episodeId("r", key, 1));
        assertThat(RuleEngine.episodeId("r", key, 1)).isNotEqualTo(RuleEngine.episodeId("r", key, 2));
        assertThat(RuleEngine.episodeId("r", key, 1)).isNotEqualTo(RuleEngine.episodeId("r", AlertKey.group("s"), 1));
    }

    @Test
    void aReadingArrivingAfterTheDeadlineFirstLetsTheDeadlinePass() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", for = 1m, actions = [fan] }
                """);
        h.read("a", "t", 35, 0);
        // No tick came in between (a busy stage); the next reading, 90 s later, is already below.
        List<AlertEvent> events = h.read("a", "t", 20, 90_000);
        assertThat(events).extracting(AlertEvent::state).containsExactly(AlertState.FIRING, AlertState.RESOLVED);
        assertThat(events.get(0).timestamp()).isEqualTo(60_000);
    }

    @Test
    void aRedeliveredOldReadingIsNoSignOfLifeForADeadman() {
        RuleHarness h = new RuleHarness("""
                silent { type = deadman, after = 1m }
                """);
        h.read("gw", "heartbeat", 1, 100_000);
        assertThat(h.tick(160_000)).hasSize(1);
        assertThat(h.read("gw", "heartbeat", 1, 100_000)).as("the same message again").isEmpty();
        assertThat(h.read("gw", "heartbeat", 1, 161_000)).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void anInhibitorListedAfterItsTargetStillMutesItWhenBothFireOnOneReading() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [fan] }
                very-hot { when = "value > 50.0", actions = [page], inhibit { rules = [hot] } }
                """);
        List<AlertEvent> events = h.read("a", "t", 60, 0);
        assertThat(events).extracting(AlertEvent::rule).containsExactly("very-hot", "hot");
        assertThat(events.get(1).muted()).isEqualTo("inhibited by very-hot a/t");
    }

    @Test
    void aRuleWithAUnitConvertsReadingsInOthersAndSkipsTheOnesThatDoNotConvert() {
        RuleHarness h = new RuleHarness("""
                boiler-hot { match { metric = "temperature" }, unit = "Cel", when = "value > 30.0", clear-when = "value < 28.0" }
                by-unit { match { metric = "level" }, when = "unit == 'cm' && value > 100.0" }
                """);
        assertThat(h.readIn("a", "temperature", 80, "[degF]", 1_000)).as("26.7 Cel").isEmpty();
        List<AlertEvent> fired = h.readIn("a", "temperature", 95, "°F", 2_000);
        assertThat(fired).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat((Double) e.inputs().get("value")).isCloseTo(35.0, org.assertj.core.data.Offset.offset(1e-9));
        });
        assertThat(h.readIn("a", "temperature", 2, "bar", 3_000)).as("not a temperature").isEmpty();
        assertThat(h.metrics.unitMismatches("boiler-hot").get()).isEqualTo(1.0);
        assertThat(h.readIn("a", "temperature", 300, "K", 4_000)).as("26.85 Cel resolves it").singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
        assertThat(h.read("b", "temperature", 31, 5_000)).as("no unit: taken as the rule's").hasSize(1);

        assertThat(h.readIn("c", "level", 150, "cm", 1_000)).as("CEL sees the unit").hasSize(1);
        assertThat(h.readIn("d", "level", 150, "mm", 1_000)).isEmpty();
    }

    @Test
    void stateReadingsAreMatchedByTheirTextAndOnlyThresholdAndDeadmanRulesSeeThem() {
        RuleHarness h = new RuleHarness("""
                door-open { match { metric = "door" }, when = "state == 'open'", for = 5m }
                door-avg { type = window, match { metric = "door" }, window = 1m, when = "value > 0.5" }
                """);
        assertThat(h.readState("d-1", "door", "open", 1_000)).isEmpty();
        assertThat(h.tick(1_000 + 300_000)).singleElement().satisfies(e -> {
            assertThat(e.rule()).isEqualTo("door-open");
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.inputs()).containsEntry("state", "open");
        });
        assertThat(h.readState("d-1", "door", "closed", 400_000)).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
        assertThat(h.metrics.ruleErrors("door-avg").get()).as("the window rule never saw text").isZero();
        assertThat(h.metrics.ruleErrors("door-open").get()).isZero();
    }

    @Test
    void aDeadmanOnAStateSeriesFiresAndResolvesWithANumberThatCanBeStored() {
        RuleHarness h = new RuleHarness("""
                door-silent { type = deadman, match { metric = "door" }, after = 1m }
                """);
        h.readState("d-1", "door", "open", 1_000);
        assertThat(h.tick(1_000 + 61_000)).singleElement().extracting(AlertEvent::state).isEqualTo(AlertState.FIRING);
        List<AlertEvent> resolved = h.readState("d-1", "door", "closed", 70_000);
        assertThat(resolved).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(Double.isFinite(e.value())).as("SQLite stores NaN as NULL, which alert_events refuses").isTrue();
            assertThat(e.inputs()).containsEntry("state", "closed");
        });
    }

    @Test
    void pastMaxRuleSlotsInactiveStatesGoFirstAndFiringOnesAreNeverDropped() {
        RuleHarness h = new RuleHarness(TOO_HOT);
        h.engine.limitSlots(10);
        for (int i = 0; i < 10; i++) {
            assertThat(h.read("hot" + i, "temperature", 31, 1_000)).hasSize(1);
        }
        assertThat(h.engine.slotCount()).isEqualTo(10);
        assertThat(h.read("new", "temperature", 35, 2_000)).as("the table is full of firing states").isEmpty();
        assertThat(h.metrics.ruleSlotsRefused("too-hot").get()).isEqualTo(1.0);
        assertThat(h.board.snapshot()).hasSize(10);

        // Five resolve: their states are inactive and may go when room is needed.
        for (int i = 0; i < 5; i++) {
            assertThat(h.read("hot" + i, "temperature", 20, 3_000)).hasSize(1);
        }
        assertThat(h.read("new", "temperature", 35, 4_000)).as("room is made").hasSize(1);
        assertThat(h.engine.slotCount()).isEqualTo(6);
        assertThat(h.board.snapshot()).hasSize(6);
        for (int i = 5; i < 10; i++) {
            assertThat(h.read("hot" + i, "temperature", 20, 5_000)).as("a firing state was kept").hasSize(1);
        }
    }

    @Test
    void aFloodOfNewKeysIntoAFullTableScansItOncePerTenthOfTheLimitNotPerKey() {
        RuleHarness h = new RuleHarness(TOO_HOT);
        h.engine.limitSlots(100);
        for (int i = 0; i < 100; i++) {
            h.read("hot" + i, "temperature", 31, 1_000);
        }
        for (int i = 0; i < 1_000; i++) {
            assertThat(h.read("flood" + i, "temperature", 31, 2_000)).isEmpty();
        }
        assertThat(h.metrics.ruleSlotsRefused("too-hot").get()).isEqualTo(1_000.0);
        // One of them resolves; the next scan comes within a tenth of the limit of refused keys.
        h.read("hot0", "temperature", 20, 3_000);
        int refusedBefore = (int) h.metrics.ruleSlotsRefused("too-hot").get();
        int made = 0;
        for (int i = 0; i < 20 && made == 0; i++) {
            made = h.read("late" + i, "temperature", 31, 4_000).size();
        }
        assertThat(made).isEqualTo(1);
        assertThat((int) h.metrics.ruleSlotsRefused("too-hot").get() - refusedBefore).isLessThanOrEqualTo(10);
    }
}
