package io.sensorflow.store;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.store.jdbc.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SqliteStoreTest {

    @TempDir
    Path dir;
    private SqliteStore store;

    @BeforeEach
    void open() {
        store = SqliteStore.open(config());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private StoreConfig config() {
        return new StoreConfig(StoreConfig.StoreType.SQLITE, dir.resolve("sub/dir/test.db").toString(),
                StoreConfig.Synchronous.NORMAL, 1000, Duration.ofMillis(20));
    }

    private static Reading r(String sensor, double value, long t) {
        return new Reading(sensor, "temperature", value, t, "test");
    }

    @Test
    void writesABatchAndCreatesTheDirectory() {
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
    void keepsDeadLettersWithTheirPayload() throws Exception {
        store.write(List.of(), List.of(new DeadLetter("plant", "sensors/x/y", "malformed-json", "bad",
                "garbage".getBytes(StandardCharsets.UTF_8), 42)));
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + store.path());
             ResultSet rs = connection.createStatement().executeQuery("SELECT origin, reason, payload FROM dead_letters")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("plant");
            assertThat(rs.getString(2)).isEqualTo("malformed-json");
            assertThat(new String(rs.getBytes(3), StandardCharsets.UTF_8)).isEqualTo("garbage");
        }
    }

    @Test
    void reopeningKeepsDataAndDoesNotMigrateTwice() {
        store.write(List.of(r("a", 1, 1_000)), List.of());
        store.close();
        store = SqliteStore.open(config());
        assertThat(store.countReadings()).isEqualTo(1);
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
}
