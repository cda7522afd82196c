package io.sensorflow.store;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
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
}
