package io.sensorflow.store.jdbc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Keeps PostgreSQL's picture of the store's tables roughly true when the server itself does not: {@code ANALYZE} of
 * each table whose rows changed, since its last analysis, by more than it held then and by more than
 * {@value #MIN_CHANGES}.
 *
 * <p>The server's autovacuum does this on its own (after 10 % of a table changed, within a minute), but it can be
 * off, as on the machines the tests run on, and a table that fills within its first minute is planned as empty
 * meanwhile. The outbox's due query, planned against a deliveries table believed empty, became a nested loop over
 * every pending delivery for every candidate: 621 ms a round at 15,000 pending deliveries, which held the outbox to
 * 168 deliveries a second; 4.5 ms after one {@code ANALYZE} (docs/benchmarks.md). With the threshold at the table's
 * own size, a server whose autovacuum runs is nearly never second-guessed: its 10 % comes first. Only tables our
 * role owns are looked at: the server refuses to analyze others, with a warning in its log each time.
 */
final class PlannerStatistics {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerStatistics.class);

    /** Changes below which a table is left alone, whatever its size: small tables plan well enough either way. */
    static final long MIN_CHANGES = 1000;

    private static final String STALE = "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = "
            + "s.relid WHERE s.schemaname = current_schema() AND pg_has_role(c.relowner, 'USAGE') "
            + "AND s.n_mod_since_analyze > ? "
            + "AND s.n_mod_since_analyze > greatest(c.reltuples, 0) ORDER BY s.relname";

    private final DataSource pool;

    PlannerStatistics(DataSource pool) {
        this.pool = pool;
    }

    /** Analyzes the tables whose statistics have fallen that far behind; returns their names. */
    List<String> analyzeStale() throws SQLException {
        try (Connection connection = pool.getConnection()) {
            List<String> stale = Jdbc.list(connection, STALE, Jdbc.values(MIN_CHANGES), rs -> rs.getString(1));
            for (String table : stale) {
                long started = System.nanoTime();
                try (Statement statement = connection.createStatement()) {
                    // The name comes from the catalog, quoted as an identifier all the same.
                    statement.execute("ANALYZE \"" + table.replace("\"", "\"\"") + "\"");
                }
                LOG.debug("analyzed {} for the planner in {} ms", table, (System.nanoTime() - started) / 1_000_000);
            }
            return stale;
        }
    }
}
