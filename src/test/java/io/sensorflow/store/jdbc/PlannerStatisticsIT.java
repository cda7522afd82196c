package io.sensorflow.store.jdbc;

import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.testing.PostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store's own ANALYZE on PostgreSQL: a table whose rows outgrew what the planner last saw of it is analyzed, one
 * that changed little is not, and an analyzed table is left alone until it changes again that much.
 */
class PlannerStatisticsIT {

    @RegisterExtension
    static final PostgresDatabase PG = new PostgresDatabase();

    private static final int READINGS = 3000;

    @Test
    void tablesThatOutgrewTheirStatisticsAreAnalyzedAndOnlyThose() throws Exception {
        try (ReadingStore store = PostgresStore.open(StoreConfig.postgres(PG.jdbcUrl(), PG.user(), PG.password()))) {
            // The server's own autovacuum must not get there first: it runs on some servers and not on others.
            sql("ALTER TABLE readings SET (autovacuum_enabled = false)");
            sql("ALTER TABLE series SET (autovacuum_enabled = false)");
            List<Reading> readings = new ArrayList<>();
            for (int i = 0; i < READINGS; i++) {
                readings.add(new Reading("s-" + (i % 3), "t", i, 1_700_000_000_000L + i * 1000L, "test"));
            }
            store.write(readings, List.of());
        }
        // Closed: its own job, every 10 s, takes no part in this test. The server counts changes with a delay.
        await().atMost(Duration.ofSeconds(30)).until(() -> modifiedSinceAnalyze("readings") >= READINGS);
        assertThat(modifiedSinceAnalyze("series")).isBetween(1L, PlannerStatistics.MIN_CHANGES);
        assertThat(analyzedAt("readings")).isFalse();

        PGSimpleDataSource pool = new PGSimpleDataSource();
        pool.setURL(PG.jdbcUrl());
        pool.setUser(PG.user());
        pool.setPassword(PG.password());
        PlannerStatistics statistics = new PlannerStatistics(pool);

        assertThat(statistics.analyzeStale()).contains("readings").doesNotContain("series");
        assertThat(analyzedAt("readings")).isTrue();
        assertThat(analyzedAt("series")).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> modifiedSinceAnalyze("readings") == 0);
        assertThat(statistics.analyzeStale()).doesNotContain("readings");
    }

    private static void sql(String statement) throws SQLException {
        try (Connection connection = DriverManager.getConnection(PG.jdbcUrl(), PG.user(), PG.password());
             Statement s = connection.createStatement()) {
            s.execute(statement);
        }
    }

    private static long modifiedSinceAnalyze(String table) throws SQLException {
        return stat(table, "n_mod_since_analyze");
    }

    private static boolean analyzedAt(String table) throws SQLException {
        return stat(table, "CASE WHEN last_analyze IS NULL THEN 0 ELSE 1 END") == 1;
    }

    private static long stat(String table, String column) throws SQLException {
        try (Connection connection = DriverManager.getConnection(PG.jdbcUrl(), PG.user(), PG.password());
             Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + column + " FROM pg_stat_user_tables WHERE relname = '"
                     + table + "' AND schemaname = current_schema()")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
