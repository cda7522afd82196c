package io.sensorflow.store;

import io.sensorflow.model.Reading;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Readiness;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The SQLite store's background jobs failing for real, and what readiness and the failure counts say about it. */
class StoreJobsTest {

    @TempDir
    Path dir;
    private Path db;
    private ReadingStore store;

    @BeforeEach
    void open() {
        db = dir.resolve("jobs.db");
        store = SqliteStore.open(StoreConfig.sqlite(db.toString()));
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** Another connection changes the schema under the store, as an operator at the sqlite3 prompt could. */
    private void sql(String statement) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = connection.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void aFreshStoreIsReadyAndCountsEveryJobAtZero() {
        assertThat(store.readiness()).containsExactly(Readiness.ready("store"));
        assertThat(store.jobFailures()).containsOnlyKeys("rollup-flush", "retention", "wal-checkpoint", "sqlite-merge")
                .allSatisfy((job, failures) -> assertThat(failures).isZero());
    }

    @Test
    void aRollupFlushThatKeepsFailingIsNotReadyUntilItWorksAgainAndTheRollupsStayExact() throws Exception {
        long t0 = 1_700_000_000_000L;
        store.write(List.of(new Reading("a", "t", 1, t0, "test"), new Reading("a", "t", 3, t0 + 1, "test")),
                List.of());
        sql("CREATE TRIGGER refuse BEFORE INSERT ON rollup_1m BEGIN SELECT RAISE(ABORT, 'rollups refused'); END");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(store.readiness()).filteredOn(r -> r.component().equals("store job rollup-flush"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.ready()).isFalse();
                        assertThat(r.detail()).contains("times in a row", "rollups refused");
                    });
            assertThat(store.jobFailures().get("rollup-flush")).isGreaterThanOrEqualTo(BackgroundJob.NOT_READY_AFTER);
        });
        assertThat(store.isHealthy()).as("a constraint refused the flush's data: the store itself is fine, and the "
                + "job's own readiness says what fails").isTrue();

        sql("DROP TRIGGER refuse");
        await().atMost(Duration.ofSeconds(20)).until(() -> store.readiness().stream().allMatch(Readiness::ready));
        assertThat(store.readiness()).containsExactly(Readiness.ready("store"));
        assertThat(Sql.count(db, "SELECT vcount FROM rollup_1m")).isEqualTo(2);
        assertThat(Sql.count(db, "SELECT count(*) FROM rollup_dirty")).isZero();
    }
}
