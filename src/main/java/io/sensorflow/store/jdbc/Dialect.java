package io.sensorflow.store.jdbc;

import io.sensorflow.store.Rollups;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between SQLite and PostgreSQL under the repositories: where connections come from, and the few
 * statements whose SQL (or the way they are fed) is not the same.
 */
interface Dialect {

    /** The connection to write on, in a transaction (auto-commit off). */
    Connection acquireWriter() throws SQLException;

    /** Gives back what {@link #acquireWriter} handed out. */
    void releaseWriter(Connection connection);

    /** After a transaction on the writer failed and was rolled back: whatever the writer keeps is suspect. */
    default void writerFailed(Connection connection) {
    }

    /** Runs a read on a connection of the dialect's choosing; a failure becomes a {@code StoreException}. */
    <T> T read(String what, Jdbc.SqlFunction<Connection, T> reader);

    /** Every row of one query, read as {@link #read} does. */
    default <T> List<T> query(String what, String sql, Jdbc.Binder binder, Jdbc.Row<T> row) {
        return read(what, connection -> Jdbc.list(connection, sql, binder, row));
    }

    /**
     * Whether a failed statement was refused for its data (a constraint, an encoding, a value out of range), so the
     * same write fails every time, rather than for the store's state (connection, timeout, lock, full disk).
     */
    boolean refusesData(Throwable failure);

    /** The failure and everything it wraps or chains, for {@link #refusesData}. */
    static java.util.List<SQLException> chain(Throwable failure) {
        java.util.List<SQLException> all = new java.util.ArrayList<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        todo.add(failure);
        while (!todo.isEmpty() && all.size() < 32) {
            Throwable next = todo.poll();
            if (next == null || !seen.add(next)) {
                continue;
            }
            if (next instanceof SQLException sql) {
                all.add(sql);
                if (sql.getNextException() != null) {
                    todo.add(sql.getNextException());
                }
            }
            if (next.getCause() != null) {
                todo.add(next.getCause());
            }
        }
        return all;
    }

    /** Inserts readings sorted by series and time, skipping stored ones, and tells which were new. */
    Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException;

    /** Adds deltas (one per series and bucket) to a rollup table, with {@link #rollupUpsert}. */
    void mergeRollups(Connection connection, String table, List<Rollups.Delta> deltas) throws SQLException;

    /** The SQL name of the two-argument maximum: {@code max} in SQLite, {@code GREATEST} in PostgreSQL. */
    String greatest();

    /**
     * What ends a {@code SELECT} that takes rows for this transaction and passes over those another holds: the outbox's
     * claims. Empty where a single writer holds the whole database anyway.
     */
    String skipLocked();

    /** The SQL name of the two-argument minimum. */
    String least();

    /**
     * Queries that together give every series' newest reading (sensor, metric, value, ts, tags, unit); where a series
     * appears in more than one, the newest row wins.
     */
    List<String> latestQueries();

    /** Prepares a connection for a long streaming query (PostgreSQL only streams inside a transaction). */
    default void beginStreaming(Connection connection) throws SQLException {
    }

    default void endStreaming(Connection connection) throws SQLException {
    }

    /** What is being written to, for errors and logs. */
    String describe();

    /** The upsert that adds deltas to a rollup table, given what supplies the rows (VALUES or a set function). */
    default String rollupUpsert(String table, String rows) {
        return "INSERT INTO " + table + " (" + RollupRepository.COLUMNS + ") " + rows + " "
                + "ON CONFLICT (series, bucket) DO UPDATE SET "
                + "vmin = " + least() + "(" + table + ".vmin, excluded.vmin), "
                + "vmax = " + greatest() + "(" + table + ".vmax, excluded.vmax), "
                + "vsum = " + table + ".vsum + excluded.vsum, "
                + "vcount = " + table + ".vcount + excluded.vcount, "
                + "last_value = CASE WHEN excluded.last_ts >= " + table + ".last_ts THEN excluded.last_value "
                + "ELSE " + table + ".last_value END, "
                + "last_ts = " + greatest() + "(" + table + ".last_ts, excluded.last_ts)";
    }
}
