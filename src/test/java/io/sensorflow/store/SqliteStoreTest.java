package io.sensorflow.store;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.Reading;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    @Test
    void rollupsACrashLeftUnwrittenAreRecomputedFromRawReadings() throws Exception {
        long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 60_000;
        store.write(List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test")),
                List.of());
        // A copy of the files as they are now is what a kill -9 right after the commit leaves behind: the readings
        // and the minute's dirty marker are committed, its rollup delta is not.
        Path crashed = dir.resolve("crashed.db");
        Files.copy(db(), crashed, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of(db() + "-wal"), Path.of(crashed + "-wal"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(Sql.count(crashed, "SELECT count(*) FROM rollup_1m")).isZero();
        assertThat(Sql.count(crashed, "SELECT count(*) FROM rollup_dirty")).isEqualTo(1);
        try (ReadingStore recovered = SqliteStore.open(StoreConfig.sqlite(crashed.toString()))) {
            Bucket minute = recovered.rollups("a", "t", Resolution.MINUTE, t0, t0 + 60_000, 1).get(0);
            assertThat(minute.count()).isEqualTo(2);
            assertThat(minute.sum()).isEqualTo(4);
            assertThat(minute.last()).isEqualTo(3);
            assertThat(recovered.rollups("a", "t", Resolution.HOUR, t0 - 3_600_000, t0 + 3_600_000, 1).get(0)
                    .count()).isEqualTo(2);
            assertThat(Sql.count(crashed, "SELECT count(*) FROM rollup_dirty")).isZero();
        }
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
