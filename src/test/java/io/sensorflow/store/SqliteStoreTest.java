package io.sensorflow.store;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.Reading;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on SQLite, and what only the embedded store does. */
class SqliteStoreTest extends StoreContract {

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("sub/dir/test.db");
    }

    @Override
    protected ReadingStore open(UnaryOperator<StoreConfig> tune) {
        return SqliteStore.open(tune.apply(StoreConfig.sqlite(db().toString())));
    }

    @Override
    protected long count(String sql) {
        return Sql.count(db(), sql);
    }

    @Test
    void createsTheDirectoryOfTheFile() {
        assertThat(db()).exists();
    }

    /**
     * A copy of the files as they are at some instant is what a kill -9 at that instant leaves behind. Two instants
     * matter: right after a commit (the readings are only logged), and after the merge but before the rollup deltas
     * are written (the minute is only marked dirty).
     */
    @Test
    void aCrashBeforeTheMergeOrBeforeTheRollupsLosesNothingAndCountsNothingTwice() throws Exception {
        long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000;
        store.write(List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test")),
                List.of());
        Path logged = crashCopy("logged");
        assertThat(Sql.count(logged, "SELECT count(*) FROM readings_log")).isEqualTo(2);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(
                java.time.Duration.ofMillis(5)).until(() -> count("SELECT count(*) FROM readings_log") == 0
                && count("SELECT count(*) FROM rollup_dirty") == 1);
        Path merged = crashCopy("merged");
        assertThat(Sql.count(merged, "SELECT count(*) FROM rollup_1m")).isZero();
        assertThat(Sql.count(merged, "SELECT count(*) FROM rollup_dirty")).isEqualTo(1);

        for (Path crashed : List.of(logged, merged)) {
            try (ReadingStore recovered = SqliteStore.open(StoreConfig.sqlite(crashed.toString()))) {
                assertThat(recovered.countReadings()).isEqualTo(2);
                Bucket minute = recovered.rollups("a", "t", Resolution.MINUTE, t0, t0 + 60_000, 1).get(0);
                assertThat(minute.count()).as(crashed.toString()).isEqualTo(2);
                assertThat(minute.sum()).isEqualTo(4);
                assertThat(minute.last()).isEqualTo(3);
            }
            // And once everything is written back at close:
            assertThat(Sql.count(crashed, "SELECT sum(vcount) FROM rollup_1m")).isEqualTo(2);
            assertThat(Sql.count(crashed, "SELECT sum(vcount) FROM rollup_1h")).isEqualTo(2);
            assertThat(Sql.count(crashed, "SELECT count(*) FROM rollup_dirty")).isZero();
            assertThat(Sql.count(crashed, "SELECT count(*) FROM readings_log")).isZero();
        }
    }

    private Path crashCopy(String name) throws Exception {
        // A kill -9 keeps every committed transaction (WAL, synchronous=normal) and nothing else: exactly a
        // consistent snapshot of the committed state, which VACUUM INTO writes.
        Path crashed = dir.resolve(name + ".db");
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db());
             var statement = connection.createStatement()) {
            statement.execute("VACUUM INTO '" + crashed + "'");
        }
        return crashed;
    }

    @Test
    void aLateReadingOlderThanWhatIsMergedIsProbedAndStoredAndItsRedeliveryIsNot() {
        store.write(List.of(new Reading("a", "t", 2, 2_000, "test")), List.of());
        reopen(); // merged: a's newest stored time is 2,000
        assertThat(store.write(List.of(new Reading("a", "t", 1, 1_000, "test"),
                new Reading("a", "t", 2, 2_000, "test")), List.of())).isEqualTo(1);
        reopen();
        assertThat(store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of())).isZero();
        assertThat(store.countReadings()).isEqualTo(2);
    }

    @Test
    void aRedeliveryIntoTheLogIsStoredOnceAndCountedOnce() {
        store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of());
        assertThat(store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of())).isZero();
        assertThat(count("SELECT count(*) FROM readings_log")).isEqualTo(1);
        assertThat(store.readings("a", "t", 0, 2_000, 10)).hasSize(1);
    }

    @Test
    void aDatabaseFromBeforeSeriesIdsIsMigratedWithItsReadingsTagsAndRollups() throws Exception {
        Path old = dir.resolve("v3.db");
        org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + old);
        org.flywaydb.core.Flyway.configure().dataSource(source).locations("classpath:db/migration/sqlite")
                .target("3").load().migrate();
        try (var connection = source.getConnection(); var statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO readings (sensor, metric, ts, value) VALUES "
                    + "('a', 't', 60000, 1), ('a', 't', 60001, 5), ('b', 't', 120000, 2)");
            statement.executeUpdate("INSERT INTO latest (sensor, metric, ts, value, tags) VALUES "
                    + "('a', 't', 60001, 5, '{\"room\":\"lab\"}'), ('b', 't', 120000, 2, '{}')");
        }
        try (ReadingStore migrated = SqliteStore.open(StoreConfig.sqlite(old.toString()))) {
            assertThat(migrated.countReadings()).isEqualTo(3);
            assertThat(migrated.latest()).extracting(l -> l.sensor() + "=" + l.value() + " " + l.tags())
                    .containsExactly("a=5.0 {room=lab}", "b=2.0 {}");
            Bucket minute = migrated.rollups("a", "t", Resolution.MINUTE, 0, Long.MAX_VALUE, 10).get(0);
            assertThat(minute.count()).isEqualTo(2);
            assertThat(minute.last()).isEqualTo(5);
            assertThat(migrated.rollups("b", "t", Resolution.HOUR, 0, Long.MAX_VALUE, 10)).hasSize(1);
        }
    }
}
