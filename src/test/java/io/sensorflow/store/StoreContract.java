package io.sensorflow.store;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What every store must do, run against each implementation: {@code SqliteStoreTest} and {@code PostgresStoreIT}.
 */
abstract class StoreContract {

    protected ReadingStore store;

    /** Opens the store under test on the same database every time it is called within one test. */
    protected abstract ReadingStore open(java.util.function.UnaryOperator<io.sensorflow.store.StoreConfig> tune);

    /** A scalar query straight against the database, to check what really got committed. */
    protected abstract long count(String sql);

    /** Empties the database before each test, where it outlives one test (a server database). */
    protected void resetDatabase() {
    }

    @BeforeEach
    void openStore() {
        resetDatabase();
        store = open(c -> c);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected void reopen() {
        store.close();
        store = open(c -> c);
    }

    private static Reading r(String sensor, double value, long t) {
        return new Reading(sensor, "temperature", value, t, "test");
    }

    @Test
    void writesABatch() {
        List<Reading> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(r("s" + (i % 10), i, 1_000 + i));
        }
        assertThat(store.write(batch, List.of())).isEqualTo(500);
        assertThat(store.countReadings()).isEqualTo(500);
    }

    @Test
    void aRedeliveredReadingCreatesNoSecondRow() {
        assertThat(store.write(List.of(r("a", 1, 1_000), r("a", 2, 2_000)), List.of())).isEqualTo(2);
        assertThat(store.write(List.of(r("a", 1, 1_000), r("a", 3, 3_000)), List.of())).isEqualTo(1);
        assertThat(store.countReadings()).isEqualTo(3);
    }

    @Test
    void latestFollowsEventTimeNotArrivalOrder() {
        store.write(List.of(r("a", 1, 1_000), r("a", 5, 5_000)), List.of());
        store.write(List.of(r("a", 3, 3_000)), List.of());
        assertThat(store.latest()).containsExactly(new LatestReading("a", "temperature", 5, 5_000));
    }

    @Test
    void keepsDeadLettersWithTheirPayload() {
        store.write(List.of(), List.of(new DeadLetter("plant", "sensors/x/y", "malformed-json", "bad",
                "garbage".getBytes(StandardCharsets.UTF_8), 42)));
        assertThat(count("SELECT count(*) FROM dead_letters WHERE origin = 'plant' AND reason = 'malformed-json' "
                + "AND length(payload) = 7")).isEqualTo(1);
    }

    @Test
    void listsDeadLettersNewestFirstFilteredAndPaged() {
        byte[] raw = "{oops".getBytes(StandardCharsets.UTF_8);
        store.write(List.of(), List.of(
                new DeadLetter("plant", "sensors/a/t", "malformed-json", "first", raw, 1000),
                new DeadLetter("push", "ingest", "missing-value", "second", raw, 2000),
                new DeadLetter("plant", "sensors/b/t", "malformed-json", "third", raw, 3000),
                new DeadLetter("plant", "sensors/c/t", "too-deep", "fourth", raw, 4000)));
        List<io.sensorflow.store.StoredDeadLetter> all = store.deadLetters(0, 10_000, null, null, Long.MAX_VALUE, 10);
        assertThat(all).extracting(d -> d.letter().detail()).containsExactly("fourth", "third", "second", "first");
        assertThat(all.get(0).letter().payload()).isEqualTo(raw);
        assertThat(all.get(0).letter().topic()).isEqualTo("sensors/c/t");
        assertThat(all.get(0).letter().receivedAt()).isEqualTo(4000);
        assertThat(store.deadLetters(0, 10_000, "plant", "malformed-json", Long.MAX_VALUE, 10))
                .extracting(d -> d.letter().detail()).containsExactly("third", "first");
        assertThat(store.deadLetters(2000, 4000, null, null, Long.MAX_VALUE, 10))
                .extracting(d -> d.letter().detail()).containsExactly("third", "second");
        List<io.sensorflow.store.StoredDeadLetter> page = store.deadLetters(0, 10_000, null, null, Long.MAX_VALUE, 2);
        assertThat(store.deadLetters(0, 10_000, null, null, page.get(1).id(), 2))
                .extracting(d -> d.letter().detail()).containsExactly("second", "first");
    }

    @Test
    void reopeningKeepsDataAndDoesNotMigrateTwice() {
        store.write(List.of(r("a", 1, 1_000)), List.of());
        reopen();
        assertThat(store.countReadings()).isEqualTo(1);
        assertThat(store.write(List.of(r("a", 1, 1_000), r("b", 2, 1_000)), List.of())).isEqualTo(1);
    }

    private static RuleState state(String rule, String sensor, AlertState phase, long since) {
        return new RuleState(rule, "threshold", sensor, "t", "", phase, since, Long.MIN_VALUE, since, since + 5,
                "episode-" + since, since + 5, since + 5, new long[]{2}, null, 31.5, java.util.Map.of("room", "lab"));
    }

    private static AlertEvent event(String id, AlertState state, long ts, boolean repeat) {
        return new AlertEvent(id, "hot", "s1", "t", "", state, "critical", 31.5, ts, 1_000, ts + 7,
                java.util.Map.of("room", "lab"), java.util.Map.of("value", 31.5, "count", 3L), repeat,
                List.of("fan"), null);
    }

    @Test
    void ruleStatesRoundTripAndTheLastWriteOfAnAlertWins() {
        store.write(new Batch(List.of(), List.of(), List.of(state("hot", "s1", AlertState.PENDING, 1_000),
                state("hot", "s2", AlertState.FIRING, 2_000)), List.of()));
        store.write(new Batch(List.of(), List.of(), List.of(state("hot", "s1", AlertState.FIRING, 1_000)), List.of()));
        List<RuleState> states = store.ruleStates();
        assertThat(states).hasSize(2);
        RuleState s1 = states.stream().filter(s -> s.sensor().equals("s1")).findFirst().orElseThrow();
        assertThat(s1.phase()).isEqualTo(AlertState.FIRING);
        assertThat(s1.clearSince()).isEqualTo(Long.MIN_VALUE);
        assertThat(s1.repeats()).containsExactly(2);
        assertThat(s1.tags()).containsEntry("room", "lab");
        assertThat(s1.episodeId()).isEqualTo("episode-1000");

        store.write(new Batch(List.of(), List.of(), List.of(state("hot", "s2", AlertState.INACTIVE, 2_000),
                state("hot", "s3", AlertState.PENDING, 3_000)), List.of()));
        assertThat(store.activeRuleStates()).extracting(RuleState::sensor).containsExactlyInAnyOrder("s1", "s3");
    }

    @Test
    void alertTransitionsAreKeptOnceWithTheirExplanation() {
        AlertEvent fired = event("e1", AlertState.FIRING, 1_000, false);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(fired)));
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(fired))); // computed again after a redelivery
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(event("e1", AlertState.FIRING, 60_000, true),
                event("e1", AlertState.RESOLVED, 90_000, false), event("e2", AlertState.FIRING, 95_000, false))));
        List<AlertEvent> episode = store.alertEpisode("e1");
        assertThat(episode).extracting(AlertEvent::timestamp).containsExactly(1_000L, 60_000L, 90_000L);
        assertThat(episode.get(0).inputs()).containsEntry("value", 31.5).containsEntry("count", 3);
        assertThat(episode.get(0).tags()).containsEntry("room", "lab");
        assertThat(episode.get(0).actions()).containsExactly("fan");
        assertThat(episode.get(1).repeat()).isTrue();
        assertThat(episode.get(2).state()).isEqualTo(AlertState.RESOLVED);
        assertThat(store.alertEpisode("nope")).isEmpty();
        assertThat(store.alertHistory(0, 100_000, null, null, 10)).extracting(AlertEvent::timestamp)
                .containsExactly(95_000L, 90_000L, 60_000L, 1_000L);
        assertThat(store.alertHistory(50_000, 92_000, "hot", "s1", 1)).extracting(AlertEvent::timestamp)
                .containsExactly(90_000L);
    }

    @Test
    void alertTransitionsAreFoundAgainByWhenTheyWereEmitted() {
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(emitted("e1", AlertState.FIRING, 1_000, 5_000),
                emitted("e1", AlertState.RESOLVED, 2_000, 7_000), emitted("e2", AlertState.FIRING, 1_500, 6_000))));
        assertThat(store.alertsEmittedSince(6_000, 10)).extracting(AlertEvent::emittedAt)
                .containsExactly(6_000L, 7_000L);
        assertThat(store.alertsEmittedSince(0, 2)).extracting(AlertEvent::emittedAt).containsExactly(5_000L, 6_000L);
        assertThat(store.alertsEmittedSince(7_001, 10)).isEmpty();
    }

    private static AlertEvent emitted(String id, AlertState state, long timestamp, long emittedAt) {
        return new AlertEvent(id, "hot", "s1", "t", "", state, "warning", 30, timestamp, timestamp, emittedAt,
                Map.of(), Map.of(), false, List.of(), null);
    }

    @Test
    void silencesAreReplacedByIdAndListedFromATime() {
        store.saveSilence(new Silence("s1", "hot", "", "", "", Map.of("room", "lab"), 1_000, 2_000, "fan", "ops", 900));
        store.saveSilence(new Silence("s1", "hot", "", "", "", Map.of("room", "lab"), 1_000, 9_000, "longer", "ops",
                900));
        store.saveSilence(new Silence("s2", "", "b", "", "", Map.of(), 1_000, 1_500, "short", "ops", 950));
        assertThat(store.silences(2_000)).extracting(Silence::id, Silence::endsAt, Silence::comment)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("s1", 9_000L, "longer"));
        assertThat(store.silences(0)).extracting(Silence::id).containsExactly("s1", "s2");
    }

    @Test
    void everyAcknowledgementOfAnEpisodeIsKeptInTheOrderItWasMade() {
        Acknowledgement first = new Acknowledgement("e1", 1_000, "ops", "seen");
        Acknowledgement second = new Acknowledgement("e1", 3_000, "ann", "on it");
        // A clock set back between two acknowledgements does not reorder them.
        Acknowledgement third = new Acknowledgement("e1", 2_000, "bob", "");
        Acknowledgement other = new Acknowledgement("e2", 500, "ops", "");
        for (Acknowledgement ack : List.of(first, second, third, other)) {
            assertThat(store.saveAcknowledgement(ack)).isTrue();
        }
        assertThat(store.acknowledgements(List.of("e1", "e2", "e3"))).containsExactly(
                Map.entry("e1", List.of(first, second, third)), Map.entry("e2", List.of(other)));
        assertThat(store.acknowledgements(List.of())).isEmpty();
        assertThat(store.acknowledgements(1_000)).containsExactly(first, second, third);
        assertThat(store.acknowledgements(0)).hasSize(4);

        reopen();
        assertThat(store.acknowledgements(List.of("e1"))).containsExactly(Map.entry("e1",
                List.of(first, second, third)));
    }

    @Test
    void anEpisodeKeepsItsFirstHundredAcknowledgementsAndRefusesMore() {
        for (int i = 0; i < Acknowledgement.MAX_PER_EPISODE; i++) {
            assertThat(store.saveAcknowledgement(new Acknowledgement("e1", i, "op-" + i, ""))).as("#" + i).isTrue();
        }
        assertThat(store.saveAcknowledgement(new Acknowledgement("e1", 1_000, "late", ""))).isFalse();
        assertThat(store.saveAcknowledgement(new Acknowledgement("e2", 1_000, "ops", ""))).as("another episode")
                .isTrue();
        List<Acknowledgement> kept = store.acknowledgements(List.of("e1")).get("e1");
        assertThat(kept).hasSize(Acknowledgement.MAX_PER_EPISODE);
        assertThat(kept.get(0).by()).isEqualTo("op-0");
        assertThat(kept).extracting(Acknowledgement::by).doesNotContain("late");
        assertThat(count("SELECT count(*) FROM alert_acknowledgements")).isEqualTo(Acknowledgement.MAX_PER_EPISODE + 1);
    }

    @Test
    void theAcknowledgementsOfManyEpisodesAreReadInOneCall() {
        List<String> episodes = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            episodes.add("e" + i);
            if (i % 2 == 0) {
                store.saveAcknowledgement(new Acknowledgement("e" + i, i, "ops", ""));
            }
        }
        Map<String, List<Acknowledgement>> found = store.acknowledgements(episodes);
        assertThat(found).hasSize(600).containsKeys("e0", "e598", "e1198").doesNotContainKey("e1");
    }

    @Test
    void scansReadingsFromATimeOnInTimeOrderWithTheirSeriesTags() {
        store.write(List.of(new Reading("a", "t", 1, 3_000, java.util.Map.of("room", "lab"), "test"),
                new Reading("b", "t", 2, 1_000, "test"), new Reading("a", "t", 3, 2_000, "test"),
                new Reading("a", "t", 4, 500, "test")), List.of());
        List<Reading> scanned = new ArrayList<>();
        store.scanReadings(1_000, scanned::add);
        assertThat(scanned).extracting(Reading::timestamp).containsExactly(1_000L, 2_000L, 3_000L);
        assertThat(scanned.get(1).tags()).as("the tags of a's newest reading").containsEntry("room", "lab");
        assertThat(scanned.get(0).tags()).isEmpty();
    }

    @Test
    void answersAQueryWhileAnotherReadIsInProgress() {
        // The API's queries must not queue behind one another on a single connection: with two read connections a
        // query made from inside a running scan gets its own (with one, it would wait for the scan to end).
        store.write(List.of(new Reading("a", "t", 1, 1_000, "test"), new Reading("a", "t", 2, 2_000, "test")),
                List.of());
        List<Integer> latestDuringScan = new ArrayList<>();
        store.scanReadings(0, reading -> latestDuringScan.add(store.latest().size()));
        assertThat(latestDuringScan).containsExactly(1, 1);
    }

    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000L; // the start of an hour

    private static Reading at(String sensor, long offset, double value) {
        return new Reading(sensor, "temperature", value, T0 + offset, "test");
    }

    @Test
    void latestCarriesTheNewestTagsAndTagsOfALateReadingDoNotWin() {
        store.write(List.of(new Reading("a", "t", 1, 2_000, Map.of("room", "new"), "test")), List.of());
        store.write(List.of(new Reading("a", "t", 0, 1_000, Map.of("room", "old"), "test")), List.of());
        assertThat(store.latest()).containsExactly(new LatestReading("a", "t", 1, 2_000, Map.of("room", "new")));
        reopen();
        assertThat(store.latest()).containsExactly(new LatestReading("a", "t", 1, 2_000, Map.of("room", "new")));
    }

    @Test
    void rawQueriesAreHalfOpenOrderedAndLimited() {
        store.write(List.of(at("a", 0, 1), at("a", 2_000, 3), at("a", 1_000, 2), at("b", 500, 9)), List.of());
        assertThat(store.readings("a", "temperature", T0, T0 + 2_000, 10))
                .containsExactly(new Point(T0, 1), new Point(T0 + 1_000, 2));
        assertThat(store.readings("a", "temperature", T0, T0 + 5_000, 2)).hasSize(2);
        assertThat(store.readings("nope", "temperature", T0, T0 + 5_000, 2)).isEmpty();
    }

    @Test
    void rollupsHoldMinMaxSumCountAndLastPerMinuteAndHourAtOnceAndAfterRestart() {
        store.write(List.of(at("a", 0, 10), at("a", 30_000, 30), at("a", 59_999, 20), at("a", 60_000, 5),
                at("a", 3_600_000, 7)), List.of());
        // Out of order: the late reading counts but is not "last".
        store.write(List.of(at("a", 10_000, 40)), List.of());
        for (int round = 0; round < 2; round++) {
            List<Bucket> minutes = store.rollups("a", "temperature", Resolution.MINUTE, T0, T0 + 7_200_000, 100);
            assertThat(minutes).extracting(Bucket::start).containsExactly(T0, T0 + 60_000, T0 + 3_600_000);
            Bucket first = minutes.get(0);
            assertThat(first.min()).isEqualTo(10);
            assertThat(first.max()).isEqualTo(40);
            assertThat(first.count()).isEqualTo(4);
            assertThat(first.avg()).isCloseTo(25, within(1e-9));
            assertThat(first.last()).isEqualTo(20);
            assertThat(first.lastTs()).isEqualTo(T0 + 59_999);
            List<Bucket> hours = store.rollups("a", "temperature", Resolution.HOUR, T0, T0 + 7_200_000, 100);
            assertThat(hours).extracting(Bucket::start).containsExactly(T0, T0 + 3_600_000);
            assertThat(hours.get(0).count()).isEqualTo(5);
            assertThat(hours.get(0).last()).isEqualTo(5);
            assertThat(hours.get(0).max()).isEqualTo(40);
            assertThat(hours.get(1).count()).isEqualTo(1);
            reopen();
        }
        assertThat(count("SELECT count(*) FROM rollup_1m")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM rollup_dirty")).isZero();
    }

    @Test
    void aRedeliveredReadingIsNotCountedTwiceInRollups() {
        store.write(List.of(at("a", 0, 10), at("a", 1_000, 20)), List.of());
        reopen();
        store.write(List.of(at("a", 0, 10), at("a", 1_000, 20), at("a", 2_000, 30)), List.of());
        reopen();
        Bucket minute = store.rollups("a", "temperature", Resolution.MINUTE, T0, T0 + 60_000, 10).get(0);
        assertThat(minute.count()).isEqualTo(3);
        assertThat(minute.sum()).isEqualTo(60);
        assertThat(store.rollups("a", "temperature", Resolution.HOUR, T0, T0 + 60_000, 10).get(0).count())
                .isEqualTo(3);
    }

    @Test
    void keepsTheUnitItsReadingsLastNamedPerSeries() {
        store.write(List.of(new Reading("boiler", "temperature", 70, T0, Map.of(), "test", "Cel")), List.of());
        store.write(List.of(new Reading("boiler", "temperature", 71, T0 + 1_000, Map.of(), "test")), List.of());
        reopen();
        assertThat(store.latest()).singleElement().satisfies(l -> {
            assertThat(l.unit()).as("a reading without a unit leaves it").isEqualTo("Cel");
            assertThat(l.value()).isEqualTo(71.0);
        });
        store.write(List.of(new Reading("boiler", "temperature", 160, T0 + 2_000, Map.of(), "test", "[degF]")), List.of());
        assertThat(store.latest()).singleElement().extracting(LatestReading::unit).isEqualTo("[degF]");
        List<Reading> scanned = new ArrayList<>();
        store.scanReadings(T0, T0 + 10_000, ReadingStore.ScanOrder.TIME, scanned::add);
        assertThat(scanned).extracting(Reading::unit).containsOnly("[degF]");
    }

    @Test
    void keepsStateReadingsApartIdempotentAndOutOfTheRollups() {
        Reading open = Reading.ofState("door-1", "door", "open", T0, Map.of("room", "lab"), "test");
        Reading closed = Reading.ofState("door-1", "door", "closed", T0 + 5_000, Map.of("room", "lab"), "test");
        assertThat(store.write(List.of(open, at("a", 0, 10), closed), List.of())).isEqualTo(3);
        assertThat(store.write(List.of(open, closed), List.of())).as("redelivered").isZero();
        reopen();
        assertThat(store.states("door-1", "door", T0, T0 + 10_000, 10)).containsExactly(
                new StatePoint(T0, "open"), new StatePoint(T0 + 5_000, "closed"));
        assertThat(store.states("door-1", "door", T0 + 1, T0 + 10_000, 10)).hasSize(1);
        assertThat(store.readings("door-1", "door", T0, T0 + 10_000, 10)).isEmpty();
        assertThat(store.hasSeries("door-1", "door")).isTrue();
        assertThat(store.latest()).contains(LatestReading.ofState("door-1", "door", "closed", T0 + 5_000,
                Map.of("room", "lab")));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT count(*) FROM rollup_dirty") == 0);
        assertThat(count("SELECT count(*) FROM rollup_1m")).as("only the number").isEqualTo(1);
    }

    @Test
    void rollupsReachTheTablesAboutASecondAfterTheReadings() {
        store.write(List.of(at("a", 0, 10)), List.of());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT count(*) FROM rollup_1h") == 1
                        && count("SELECT count(*) FROM rollup_dirty") == 0);
        assertThat(count("SELECT vcount FROM rollup_1m")).isEqualTo(1);
    }

    @Test
    void retentionDeletesRawReadingsRollupsAndDeadLettersEachByItsOwnAge() {
        long day = Duration.ofDays(1).toMillis();
        store.close();
        store = open(c -> c.withRetention(Duration.ofDays(2), Duration.ofDays(5), Duration.ZERO));
        List<Reading> readings = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            readings.add(at("a", d * day, d));
            readings.add(at("b", d * day, d));
        }
        store.write(readings, List.of(new DeadLetter("x", "t", "malformed-json", "", new byte[0], T0),
                new DeadLetter("x", "t", "malformed-json", "", new byte[0], T0 + 9 * day)));
        AlertEvent firing = new AlertEvent("ep-r", "hot", "a", "temperature", "", AlertState.FIRING, "warning", 31,
                T0, T0, T0, Map.of(), Map.of(), false, List.of("fan", "page", "mail"), null);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(firing)));
        List<Delivery> deliveries = store.deliveries(Delivery.Status.PENDING, null, 0, 10);
        store.updateDeliveries(List.of(Delivery.Update.done(deliveries.get(0).id(), 1, T0 + day)));
        store.updateDeliveries(List.of(Delivery.Update.failed(deliveries.get(1).id(), 1, T0 + 9 * day,
                "refused")));
        reopen(); // rollups written
        store.close();
        store = open(c -> c.withRetention(Duration.ofDays(2), Duration.ofDays(5), Duration.ZERO));
        ReadingStore.Retained retained = store.retain(T0 + 10 * day);
        // Raw: days 8 and 9 stay; minute rollups: days 5 to 9; hour rollups forever.
        // Deliveries: the one done on day 1 goes; the one failed on day 9 stays, and the pending one however old.
        assertThat(retained).isEqualTo(new ReadingStore.Retained(16, 1, 10, 0, 1));
        assertThat(store.readings("a", "temperature", 0, Long.MAX_VALUE, 100)).extracting(Point::value)
                .containsExactly(8.0, 9.0);
        assertThat(store.rollups("a", "temperature", Resolution.MINUTE, 0, Long.MAX_VALUE, 100)).hasSize(5);
        assertThat(store.rollups("a", "temperature", Resolution.HOUR, 0, Long.MAX_VALUE, 100)).hasSize(10);
        assertThat(count("SELECT count(*) FROM dead_letters")).isEqualTo(1);
        assertThat(store.deliveries(Delivery.Status.PENDING, null, 0, 10)).hasSize(1);
        assertThat(store.retain(T0 + 10 * day)).isEqualTo(new ReadingStore.Retained(0, 0, 0, 0, 0));
    }

    @Test
    void scansWithoutOrderForExportsWithinATimeRange() {
        store.write(List.of(at("b", 0, 1), at("a", 1_000, 2), at("a", 0, 3), at("b", 2_000, 4)), List.of());
        List<Reading> scanned = new ArrayList<>();
        store.scanReadings(T0, T0 + 2_000, ReadingStore.ScanOrder.ANY, scanned::add);
        assertThat(scanned).extracting(r -> r.sensor() + "@" + (r.timestamp() - T0))
                .containsExactlyInAnyOrder("b@0", "a@0", "a@1000");
    }

    @Test
    void aBatchWithTheSameReadingTwiceStoresItOnce() {
        assertThat(store.write(List.of(at("a", 0, 1), at("a", 0, 1), at("a", 1, 2)), List.of())).isEqualTo(2);
        reopen();
        assertThat(store.rollups("a", "temperature", Resolution.MINUTE, T0, T0 + 60_000, 1).get(0).count())
                .isEqualTo(2);
    }

    /**
     * A failed write may have committed on the server before the connection broke; the store then recomputes the
     * rollups of every marked minute from raw readings before its next write. Here the failure is a constraint
     * violation, which rolls back for sure: the rollups must come out exact either way.
     */
    @Test
    void afterAFailedWriteRollupsAreRecomputedAndStayExact() {
        store.write(List.of(at("a", 0, 10), at("a", 1_000, 20)), List.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.write(List.of(at("a", 2_000, 30)),
                List.of(new DeadLetter(null, "t", "r", "", new byte[0], 0)))).isInstanceOf(StoreException.class);
        assertThat(store.write(List.of(at("a", 2_000, 30), at("a", 3_000, 40)), List.of())).isEqualTo(2);
        for (int round = 0; round < 2; round++) {
            Bucket minute = store.rollups("a", "temperature", Resolution.MINUTE, T0, T0 + 60_000, 1).get(0);
            assertThat(minute.count()).as("round %d", round).isEqualTo(4);
            assertThat(minute.sum()).isEqualTo(100);
            assertThat(minute.last()).isEqualTo(40);
            assertThat(store.rollups("a", "temperature", Resolution.HOUR, T0, T0 + 60_000, 1).get(0).count())
                    .isEqualTo(4);
            reopen();
        }
    }

    /**
     * Charts read the rollup tables without the writer's lock while commits move waiting deltas into them: every
     * answer must count each committed reading once, never a flushed delta twice or not at all.
     */
    @Test
    void aChartReadBesideTheCommitsCountsEveryCommittedReadingOnce() throws Exception {
        java.util.concurrent.atomic.AtomicLong started = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
        long until = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
        Thread writer = new Thread(() -> {
            // Readings 50 ms apart: a new minute every 1,200 readings, so deltas fall due (after 1 s) all along.
            for (int batch = 0; batch < 20_000 && System.nanoTime() < until; batch++) {
                List<Reading> readings = new ArrayList<>(10);
                for (int i = 0; i < 10; i++) {
                    readings.add(at("a", (batch * 10L + i) * 50, 1));
                }
                started.addAndGet(10);
                store.write(readings, List.of());
                committed.addAndGet(10);
            }
        });
        writer.start();
        int reads = 0;
        try {
            while (writer.isAlive() && reads < 100_000) {
                long before = committed.get();
                Resolution resolution = reads % 2 == 0 ? Resolution.MINUTE : Resolution.HOUR;
                long counted = store.rollups("a", "temperature", resolution, T0, T0 + 86_400_000, 10_000).stream()
                        .mapToLong(Bucket::count).sum();
                long after = started.get();
                assertThat(counted).as("read %d (%s)", reads, resolution).isBetween(before, after);
                reads++;
            }
        } finally {
            writer.join(10_000);
        }
        assertThat(reads).isGreaterThan(10);
        assertThat(store.rollups("a", "temperature", Resolution.MINUTE, T0, T0 + 86_400_000, 10_000).stream()
                .mapToLong(Bucket::count).sum()).isEqualTo(committed.get());
    }

    @Test
    void aTransitionsDeliveriesAreCommittedWithItOnceAndKeepTheirProgress() {
        AlertEvent firing = new AlertEvent("ep-1", "hot", "a", "temperature", "", AlertState.FIRING, "warning", 31,
                T0, T0, T0 + 5, Map.of("room", "lab"), Map.of(), false, List.of("fan", "page"), null);
        AlertEvent resolved = new AlertEvent("ep-1", "hot", "a", "temperature", "", AlertState.RESOLVED, "warning", 20,
                T0 + 60_000, T0, T0 + 60_005, Map.of(), Map.of(), false, List.of("fan"), null);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(firing)));
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(firing, resolved)));
        reopen();
        List<Delivery> pending = store.deliveries(Delivery.Status.PENDING, null, 0, 10);
        assertThat(pending).extracting(Delivery::idempotencyKey).containsExactly("ep-1:firing:" + T0 + ":fan",
                "ep-1:firing:" + T0 + ":page", "ep-1:resolved:" + (T0 + 60_000) + ":fan");
        assertThat(pending.get(0).event()).isEqualTo(firing);
        assertThat(store.deliveries(Delivery.Status.PENDING, "page", 0, 10)).hasSize(1);
        assertThat(store.deliveries(Delivery.Status.PENDING, null, pending.get(0).id(), 10)).hasSize(2);

        long now = System.currentTimeMillis() + 1_000;
        Set<Long> none = Set.of();
        List<String> both = List.of("fan", "page");
        assertThat(store.dueDeliveries(now, 10, both, none)).as("the resolved waits behind its firing")
                .extracting(Delivery::id)
                .containsExactly(pending.get(0).id(), pending.get(1).id());
        assertThat(store.dueDeliveries(now, 10, both, Set.of(pending.get(0).id()))).as("one running is skipped")
                .extracting(Delivery::id).containsExactly(pending.get(1).id());
        store.updateDeliveries(List.of(Delivery.Update.retry(pending.get(0).id(), 1, now + 60_000, "broker away")));
        assertThat(store.dueDeliveries(now, 10, both, none)).as("nor while its firing waits for a retry")
                .extracting(Delivery::id).containsExactly(pending.get(1).id());
        assertThat(store.dueDeliveries(now + 60_000, 1, both, none)).extracting(Delivery::id)
                .containsExactly(pending.get(0).id());
        assertThat(store.dueDeliveries(now + 60_000, 10, List.of("page"), none)).as("only the actions asked for")
                .extracting(Delivery::id).containsExactly(pending.get(1).id());
        store.updateDeliveries(List.of(Delivery.Update.retry(pending.get(0).id(), 1, T0 + 1_000, "broker away"),
                Delivery.Update.done(pending.get(1).id(), 1, T0 + 10),
                Delivery.Update.failed(pending.get(2).id(), 10, T0 + 20, "refused")));
        Delivery retried = store.deliveries(Delivery.Status.PENDING, null, 0, 10).get(0);
        assertThat(retried.attempts()).isEqualTo(1);
        assertThat(retried.nextAt()).isEqualTo(T0 + 1_000);
        assertThat(retried.lastError()).isEqualTo("broker away");
        assertThat(store.countDeliveries(Delivery.Status.DONE)).isEqualTo(1);
        assertThat(store.deliveries(Delivery.Status.FAILED, null, 0, 10)).singleElement()
                .satisfies(d -> assertThat(d.finishedAt()).isEqualTo(T0 + 20));
        assertThat(store.retryDelivery(pending.get(2).id(), T0 + 30)).isTrue();
        assertThat(store.retryDelivery(pending.get(1).id(), T0 + 30)).as("done is done").isFalse();
        assertThat(store.countDeliveries(Delivery.Status.PENDING)).isEqualTo(2);
        assertThat(store.pendingDeliveryActions()).containsExactlyInAnyOrder("fan");
    }

    @Test
    void theNextEpisodesDeliveryWaitsBehindTheLastOnesSoAnActuatorEndsInTheAlertsState() {
        AlertEvent resolved = new AlertEvent("ep-1", "hot", "a", "t", "", AlertState.RESOLVED, "warning", 20, T0, T0,
                T0, Map.of(), Map.of(), false, List.of("fan"), null);
        AlertEvent firingAgain = new AlertEvent("ep-2", "hot", "a", "t", "", AlertState.FIRING, "warning", 31,
                T0 + 1_000, T0 + 1_000, T0 + 1_000, Map.of(), Map.of(), false, List.of("fan"), null);
        AlertEvent otherSensor = new AlertEvent("ep-3", "hot", "b", "t", "", AlertState.FIRING, "warning", 31,
                T0 + 1_000, T0 + 1_000, T0 + 1_000, Map.of(), Map.of(), false, List.of("fan"), null);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(resolved, firingAgain, otherSensor)));
        List<Delivery> pending = store.deliveries(Delivery.Status.PENDING, null, 0, 10);
        long now = System.currentTimeMillis() + 1_000;
        store.updateDeliveries(List.of(Delivery.Update.retry(pending.get(0).id(), 1, now + 60_000, "broker away")));
        assertThat(store.dueDeliveries(now, 10, List.of("fan"), Set.of())).as("another episode of the same alert waits")
                .extracting(Delivery::idempotencyKey).containsExactly("ep-3:firing:" + (T0 + 1_000) + ":fan");
        assertThat(pending.get(1).orderKey()).isEqualTo(pending.get(0).orderKey())
                .isNotEqualTo(pending.get(2).orderKey());
    }

    @Test
    void aSharedOutboxHandsEachDeliveryToTheNodeThatClaimedItUntilItsLeaseEnds() {
        List<AlertEvent> events = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(new AlertEvent("ep-" + i, "hot", "s-" + i, "t", "", AlertState.FIRING, "warning", 31, T0, T0,
                    T0, Map.of(), Map.of(), false, List.of("fan"), null));
        }
        store.write(new Batch(List.of(), List.of(), List.of(), events));
        long now = System.currentTimeMillis() + 1_000;
        long lease = 60_000;
        // One store plays both nodes: who it claims for is the node name it was last given.
        store.shareOutbox("node-a", Duration.ofMillis(lease));
        List<Delivery> a = store.dueDeliveries(now, 2, List.of("fan"), Set.of());
        assertThat(a).hasSize(2);
        store.shareOutbox("node-b", Duration.ofMillis(lease));
        List<Delivery> b = store.dueDeliveries(now, 10, List.of("fan"), Set.of());
        assertThat(b).as("what node-a holds is not node-b's").hasSize(2)
                .extracting(Delivery::id).doesNotContainAnyElementsOf(a.stream().map(Delivery::id).toList());
        assertThat(store.dueDeliveries(now + 1, 10, List.of("fan"), b.stream().map(Delivery::id)
                .collect(java.util.stream.Collectors.toSet()))).as("all four are held").isEmpty();

        store.updateDeliveries(List.of(Delivery.Update.retry(b.get(0).id(), 1, now + 10, "broker away"),
                Delivery.Update.done(b.get(1).id(), 1, now + 10)));
        store.shareOutbox("node-a", Duration.ofMillis(lease));
        assertThat(store.dueDeliveries(now + 10, 10, List.of("fan"), a.stream().map(Delivery::id)
                .collect(java.util.stream.Collectors.toSet()))).as("a recorded retry is anybody's")
                .extracting(Delivery::id).containsExactly(b.get(0).id());

        store.shareOutbox("node-c", Duration.ofMillis(lease));
        assertThat(store.dueDeliveries(now + lease - 1, 10, List.of("fan"), Set.of())).as("node-a's lease holds")
                .isEmpty();
        assertThat(store.dueDeliveries(now + lease, 10, List.of("fan"), Set.of()))
                .as("once node-a's lease has ended (it died), its deliveries are node-c's")
                .extracting(Delivery::id).containsExactlyElementsOf(a.stream().map(Delivery::id).toList());
    }
}
