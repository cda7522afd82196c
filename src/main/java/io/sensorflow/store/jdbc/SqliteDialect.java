package io.sensorflow.store.jdbc;

import io.sensorflow.store.Bucket;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * SQLite under the repositories: one writer connection (SQLite allows one writer at a time) and a few readers, which
 * in WAL mode never block the writer nor each other; readings inserted through {@link SqliteReadingsLog}.
 */
final class SqliteDialect implements Dialect {

    /** SQLite's primary result codes for refused data: TOOBIG (18), CONSTRAINT (19), MISMATCH (20), RANGE (25). */
    @Override
    public boolean refusesData(Throwable failure) {
        for (SQLException e : Dialect.chain(failure)) {
            if (e instanceof org.sqlite.SQLiteException sqlite) {
                int primary = sqlite.getResultCode().code & 0xff;
                if (primary == 18 || primary == 19 || primary == 20 || primary == 25) {
                    return true;
                }
            }
        }
        return false;
    }

    // Every series' newest reading is the last key of its range in the primary key: one seek per series. CROSS JOIN
    // keeps series the outer loop; a plain JOIN let SQLite scan all of readings (4.8 s for 10 M rows).
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags, s.unit FROM series s "
            + "CROSS JOIN readings r WHERE r.series = s.id "
            + "AND r.ts = (SELECT max(ts) FROM readings m WHERE m.series = s.id)";
    // With a single max(), SQLite takes the bare column (value) from the row holding the maximum.
    private static final String LATEST_LOGGED = "SELECT s.sensor, s.metric, m.value, m.ts, s.tags, s.unit FROM "
            + "(SELECT series, max(ts) AS ts, value FROM readings_log GROUP BY series) m JOIN series s ON s.id = m.series";

    /** How long a read waits for a free reader before it fails (the callers bound their own concurrency). */
    private static final long READER_WAIT_SECONDS = 30;

    private final Path path;
    private final Connection writer;
    /** The readers not in use; a read takes one and gives it back. */
    private final BlockingQueue<Connection> readers;
    private final int readerCount;
    private volatile boolean closed;
    private final SqliteReadingsLog log;
    /** The SQL of {@link #mergeRollups}, per table: built once, not per commit. */
    private final Map<String, String> mergeRollups = new ConcurrentHashMap<>();

    SqliteDialect(Path path, Connection writer, List<Connection> readers, SqliteReadingsLog log) {
        this.path = path;
        this.writer = writer;
        this.readers = new ArrayBlockingQueue<>(readers.size(), false, readers);
        this.readerCount = readers.size();
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

    /**
     * A write that failed half-way (SQLITE_FULL, an I/O error) leaves the writer out of step with the driver, and
     * without this every later write fails, long after the disk has room again (SqliteFullDiskIT): SQLite rolls a
     * transaction back by itself when a COMMIT fails, and the driver, which opens the next transaction only after a
     * COMMIT that worked, then has none open ("cannot commit - no transaction is active"); and its cached statements
     * answer "statement is not executing". The statements are prepared afresh and a transaction is opened if none is.
     */
    @Override
    public void writerFailed(Connection connection) {
        StatementCache.reset(connection);
        try (Statement begin = connection.createStatement()) {
            begin.execute("BEGIN");
        } catch (SQLException e) {
            // A transaction is open already: the usual case, where the rollback opened the next one.
        }
    }

    @Override
    public <T> T read(String what, Jdbc.SqlFunction<Connection, T> work) {
        Connection reader = takeReader(what);
        try {
            return work.apply(reader);
        } catch (SQLException e) {
            throw new StoreException(what + " from " + path + " failed: " + e.getMessage(), e);
        } finally {
            readers.add(reader);
        }
    }

    private Connection takeReader(String what) {
        if (closed) {
            throw new StoreException(what + " from " + path + " failed: the store is closed", null);
        }
        try {
            Connection reader = readers.poll(READER_WAIT_SECONDS, TimeUnit.SECONDS);
            if (reader == null) {
                throw new StoreException(what + " from " + path + " failed: all " + readerCount
                        + " read connections stayed busy for " + READER_WAIT_SECONDS + " s", null);
            }
            return reader;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " from " + path + " was interrupted", e);
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
    public String skipLocked() {
        return "";
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

    /**
     * Closes the readers, each once its read is done (or after {@link #READER_WAIT_SECONDS}, when the connection is
     * closed under the read), then the writer (holding the writer's lock).
     */
    void close(Transactor transactor) throws SQLException {
        closed = true;
        for (int i = 0; i < readerCount; i++) {
            Connection reader;
            try {
                reader = readers.poll(READER_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (reader == null) {
                break;
            }
            reader.close();
        }
        synchronized (transactor) {
            writer.close();
        }
    }
}
