package io.sensorflow.store;

import io.sensorflow.model.Acknowledgement;
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

/**
 * The store contract on SQLite, and what only the embedded store does. Small commits go straight into
 * {@code readings}; {@link ThroughTheLog} runs everything again with every commit logged and merged, as a saturated
 * daemon's are.
 */
class SqliteStoreTest extends StoreContract {

    /** The contract and the tests below with every commit going through the log and the merge. */
    static class ThroughTheLog extends SqliteStoreTest {

        @Override
        protected int directRows() {
            return 0;
        }
    }

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("sub/dir/test.db");
    }

    protected int directRows() {
        return SqliteStore.DIRECT_ROWS;
    }

    @Override
    protected ReadingStore open(UnaryOperator<StoreConfig> tune) {
        return SqliteStore.open(tune.apply(StoreConfig.sqlite(db().toString())), directRows());
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
     * matter: right after a commit (the readings are only logged, their minute only marked dirty), and after the
     * merge (the rollup deltas may or may not be written by then; both must recover).
     */
    @Test
    void aCrashBeforeTheMergeOrBeforeTheRollupsLosesNothingAndCountsNothingTwice() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(directRows() == 0, "only commits through the log are merged");
        long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000;
        store.write(List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test")),
                List.of());
        Path logged = crashCopy("logged");
        assertThat(Sql.count(logged, "SELECT count(*) FROM readings_log")).isEqualTo(2);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(
                java.time.Duration.ofMillis(5)).until(() -> count("SELECT count(*) FROM readings_log") == 0);
        Path merged = crashCopy("merged");
        assertThat(Sql.count(logged, "SELECT count(*) FROM rollup_1m")).isZero();
        assertThat(Sql.count(logged, "SELECT count(*) FROM rollup_dirty")).isEqualTo(1);

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
        org.junit.jupiter.api.Assumptions.assumeTrue(directRows() == 0, "only commits through the log are logged");
        store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of());
        assertThat(store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of())).isZero();
        assertThat(count("SELECT count(*) FROM readings_log")).isEqualTo(1);
        assertThat(store.readings("a", "t", 0, 2_000, 10)).hasSize(1);
    }

    @Test
    void aSmallCommitGoesStraightIntoTheTableAndABigOneThroughTheLog() {
        org.junit.jupiter.api.Assumptions.assumeTrue(directRows() > 0);
        long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000;
        List<Reading> small = List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test"));
        assertThat(store.write(small, List.of())).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM readings")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM readings_log")).isZero();
        // A redelivery of it, late readings among new ones, and a batch big enough for the log:
        assertThat(store.write(small, List.of())).isZero();
        List<Reading> big = new java.util.ArrayList<>(small);
        for (int i = 0; i < directRows(); i++) {
            big.add(new Reading("b" + i, "t", i, t0 + 2, "test"));
        }
        assertThat(store.write(big, List.of())).isEqualTo(directRows());
        assertThat(count("SELECT count(*) FROM readings_log")).isEqualTo(directRows());
        assertThat(store.countReadings()).isEqualTo(directRows() + 2);
        Bucket minute = store.rollups("a", "t", Resolution.MINUTE, t0, t0 + 60_000, 1).get(0);
        assertThat(minute.count()).isEqualTo(2);
        assertThat(minute.sum()).isEqualTo(4);
        reopen();
        assertThat(count("SELECT count(*) FROM readings_log")).isZero();
        assertThat(store.countReadings()).isEqualTo(directRows() + 2);
        assertThat(count("SELECT sum(vcount) FROM rollup_1m")).isEqualTo(directRows() + 2);
    }

    /**
     * Under steady ingest PASSIVE checkpoints alone never let the WAL start over: it grew to 1.4 GB beside a 100 MB
     * database. 2,000,000 readings from 10,000 series as fast as they go: about 360 MB of WAL without the bound,
     * about 140 MB at most with it (the 64 MiB threshold plus what one merge writes before the next checkpoint).
     */
    @Test
    void theWalStaysBoundedUnderSteadyIngest() {
        org.junit.jupiter.api.Assumptions.assumeTrue(directRows() > 0, "once is enough");
        long ts = 1_700_000_000_000L;
        long largest = 0;
        for (long written = 0; written < 2_000_000; ) {
            List<Reading> batch = new java.util.ArrayList<>(1000);
            for (int i = 0; i < 1000; i++) {
                batch.add(new Reading("s" + (written % 10_000), "t", i, ts + written / 10_000, "test"));
                written++;
            }
            store.write(batch, List.of());
            largest = Math.max(largest, ((SqliteStore) store).walBytes());
        }
        assertThat(largest).as("largest WAL in bytes").isLessThan(256L << 20);
        assertThat(store.countReadings()).isEqualTo(2_000_000);
    }

    /** A log left by the version before, which counted logged readings in the rollups only at their merge. */
    @Test
    void aLogLeftByTheVersionBeforeIsCountedInTheRollupsAtStart() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(directRows() == 0);
        long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000;
        store.write(List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test")),
                List.of());
        Path old = crashCopy("old");
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + old);
             var statement = connection.createStatement()) {
            statement.executeUpdate("DELETE FROM rollup_dirty"); // the old version marked at the merge
        }
        assertThat(Sql.count(old, "SELECT count(*) FROM readings_log")).isEqualTo(2);
        try (ReadingStore recovered = SqliteStore.open(StoreConfig.sqlite(old.toString()))) {
            assertThat(recovered.rollups("a", "t", Resolution.MINUTE, t0, t0 + 60_000, 1).get(0).count()).isEqualTo(2);
        }
        assertThat(Sql.count(old, "SELECT sum(vcount) FROM rollup_1m")).isEqualTo(2);
        assertThat(Sql.count(old, "SELECT sum(vcount) FROM rollup_1h")).isEqualTo(2);
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

    @Test
    void aDatabaseFromBeforeAcknowledgementHistoryKeepsItsAcknowledgements() throws Exception {
        Path old = dir.resolve("v10.db");
        org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + old);
        org.flywaydb.core.Flyway.configure().dataSource(source).locations("classpath:db/migration/sqlite")
                .target("10").load().migrate();
        try (var connection = source.getConnection(); var statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO alert_acks (episode, acked_at, acked_by, comment) VALUES "
                    + "('e1', 1000, 'ops', 'seen'), ('e2', 2000, 'ann', '')");
        }
        try (ReadingStore migrated = SqliteStore.open(StoreConfig.sqlite(old.toString()))) {
            assertThat(migrated.acknowledgements(0)).containsExactly(new Acknowledgement("e1", 1000, "ops", "seen"),
                    new Acknowledgement("e2", 2000, "ann", ""));
            assertThat(migrated.saveAcknowledgement(new Acknowledgement("e1", 3000, "bob", ""))).isTrue();
            assertThat(migrated.acknowledgements(List.of("e1")).get("e1")).extracting(Acknowledgement::by)
                    .containsExactly("ops", "bob");
        }
    }
}
