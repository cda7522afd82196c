package io.sensorflow.store.jdbc;

import io.sensorflow.store.Bucket;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SQLite under the repositories: one writer connection (SQLite allows one writer at a time) and one reader, which in
 * WAL mode never blocks the writer; readings inserted through {@link SqliteReadingsLog}.
 */
final class SqliteDialect implements Dialect {

    // Every series' newest reading is the last key of its range in the primary key: one seek per series. CROSS JOIN
    // keeps series the outer loop; a plain JOIN let SQLite scan all of readings (4.8 s for 10 M rows).
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags, s.unit FROM series s "
            + "CROSS JOIN readings r WHERE r.series = s.id "
            + "AND r.ts = (SELECT max(ts) FROM readings m WHERE m.series = s.id)";
    // With a single max(), SQLite takes the bare column (value) from the row holding the maximum.
    private static final String LATEST_LOGGED = "SELECT s.sensor, s.metric, m.value, m.ts, s.tags, s.unit FROM "
            + "(SELECT series, max(ts) AS ts, value FROM readings_log GROUP BY series) m JOIN series s ON s.id = m.series";

    private final Path path;
    private final Connection writer;
    private final Connection reader;
    private final SqliteReadingsLog log;
    /** The SQL of {@link #mergeRollups}, per table: built once, not per commit. */
    private final Map<String, String> mergeRollups = new ConcurrentHashMap<>();

    SqliteDialect(Path path, Connection writer, Connection reader, SqliteReadingsLog log) {
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.log = log;
    }

    @Override
    public Connection acquireWriter() {
        return writer;
    }

    @Override
    public void releaseWriter(Connection connection) {
        // The one writer connection stays open.
    }

    @Override
    public <T> T read(String what, Jdbc.SqlFunction<Connection, T> work) {
        synchronized (reader) {
            try {
                return work.apply(reader);
            } catch (SQLException e) {
                throw new StoreException(what + " from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        return log.insert(connection, series, timestamps, values, count);
    }

    @Override
    public void mergeRollups(Connection connection, String table, List<Rollups.Delta> deltas) throws SQLException {
        try (PreparedStatement handle = connection.prepareStatement(mergeRollups.computeIfAbsent(table,
                t -> rollupUpsert(t, "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))) {
            PreparedStatement merge = Jdbc.driverStatement(handle);
            for (Rollups.Delta delta : deltas) {
                Bucket b = delta.bucket();
                merge.setInt(1, delta.series());
                merge.setLong(2, b.start());
                merge.setDouble(3, b.min());
                merge.setDouble(4, b.max());
                merge.setDouble(5, b.sum());
                merge.setLong(6, b.count());
                merge.setLong(7, b.lastTs());
                merge.setDouble(8, b.last());
                merge.addBatch();
            }
            merge.executeBatch();
        }
    }

    @Override
    public String greatest() {
        return "max";
    }

    @Override
    public String least() {
        return "min";
    }

    @Override
    public List<String> latestQueries() {
        // Merged readings, and logged ones newer than those.
        return List.of(LATEST, LATEST_LOGGED);
    }

    @Override
    public String describe() {
        return "sqlite store " + path;
    }

    /** Closes the reader, then the writer (holding the writer's lock). */
    void close(Transactor transactor) throws SQLException {
        synchronized (reader) {
            reader.close();
        }
        synchronized (transactor) {
            writer.close();
        }
    }
}
