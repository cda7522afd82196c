package io.sensorflow.store.jdbc;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Point;
import io.sensorflow.store.StoreException;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded store: one SQLite file in WAL mode. SQLite allows one writer at a time, so all writes go through one
 * connection (serialised by {@link JdbcStore}); reads use their own connection and never block the writer.
 *
 * <p>Commits append readings to {@code readings_log}; a merge thread moves them into {@code readings} in sorted
 * chunks (see the schema's V4 migration and docs/storage.md). With many series this writes each B-tree leaf once per
 * merge instead of once per reading, which is what makes SQLite fast here. Queries read the view
 * {@code readings_all}, so logged readings are visible as soon as they are committed.
 */
public final class SqliteStore extends JdbcStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqliteStore.class);

    // A reading is logged only if it is not stored yet; the merge's ON CONFLICT is the last word. A reading newer
    // than everything merged for its series cannot be stored yet and skips the probe (LOG_NEW): most of them.
    private static final String LOG_READING = "INSERT INTO readings_log (series, ts, value) SELECT ?, ?, ? "
            + "WHERE NOT EXISTS (SELECT 1 FROM readings WHERE series = ? AND ts = ?)";
    private static final String LOG_NEW = "INSERT INTO readings_log (series, ts, value) VALUES (?, ?, ?)";
    private static final String MERGE = "INSERT INTO readings (series, ts, value) "
            + "SELECT series, ts, value FROM readings_log WHERE rowid <= ? ORDER BY series, ts "
            + "ON CONFLICT DO NOTHING RETURNING series, ts, value";
    // Every series' newest reading is the last key of its range in the primary key: one seek per series. CROSS JOIN
    // keeps series the outer loop; a plain JOIN let SQLite scan all of readings (4.8 s for 10 M rows).
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags FROM series s "
            + "CROSS JOIN readings r WHERE r.series = s.id "
            + "AND r.ts = (SELECT max(ts) FROM readings m WHERE m.series = s.id)";
    // With a single max(), SQLite takes the bare column (value) from the row holding the maximum.
    private static final String LATEST_LOGGED = "SELECT s.sensor, s.metric, m.value, m.ts, s.tags FROM "
            + "(SELECT series, max(ts) AS ts, value FROM readings_log GROUP BY series) m JOIN series s ON s.id = m.series";

    /** How often the WAL is copied back into the database, off the commit path. */
    private static final long CHECKPOINT_INTERVAL_MS = 1000;
    /** Logged readings are merged once this many wait, or once the oldest has waited MERGE_AFTER. */
    private static final int MERGE_ROWS = 100_000;
    private static final int SMALL_CHUNK = 1_000;
    private static final long MERGE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Beyond this many logged readings a commit merges before it returns: the log stays bounded. */
    private static final int MERGE_BOUND = 500_000;

    /** A logged reading's key, to keep a redelivery out of the log (the log has no index to ask). */
    private record LogKey(int series, long ts) {
    }

    private final Path path;
    private final Connection writer;
    private final Connection reader;
    private final Connection checkpointer;

    private final Set<LogKey> logged = new HashSet<>();
    /** Per series id, the newest timestamp in readings (merged); Long.MIN_VALUE where none. */
    private long[] newestMerged = new long[0];
    /** Rows in readings_log; the due checks use this, not {@link #logged}, which only keeps redeliveries out. */
    private long logRows;
    private long oldestLogged;
    private final ScheduledExecutorService merger = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sqlite-merge");
        thread.setDaemon(true);
        return thread;
    });

    private SqliteStore(StoreConfig config, Path path, Connection writer, Connection reader, Connection checkpointer) {
        super(config);
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.checkpointer = checkpointer;
    }

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static SqliteStore open(StoreConfig config) {
        return open(config, false);
    }

    /** Opens the file for reading only, beside a daemon that may be writing it (WAL readers never block). */
    public static SqliteStore openReadOnly(StoreConfig config) {
        if (!Files.isRegularFile(Path.of(config.path()))) {
            throw new StoreException("there is no SQLite store at " + Path.of(config.path()).toAbsolutePath(), null);
        }
        return open(config, true);
    }

    private static SqliteStore open(StoreConfig config, boolean readOnly) {
        Path path = Path.of(config.path()).toAbsolutePath();
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the directory for " + path + ": " + e.getMessage(), e);
        }
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.synchronous().name()));
        sqlite.setBusyTimeout(10_000);
        sqlite.setTempStore(SQLiteConfig.TempStore.MEMORY);
        // 16 MiB of page cache for the writer: 64 MiB measured no faster in StoreBench (the merge writes each leaf
        // once per chunk) and cost the daemon about 50 MB of RSS.
        sqlite.setCacheSize(-16_384);
        SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
        dataSource.setUrl("jdbc:sqlite:" + path);
        try {
            Flyway flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/sqlite")
                    .loggers("slf4j")
                    .load();
            if (readOnly) {
                requireCurrentSchema(flyway, path.toString());
            } else {
                flyway.migrate();
            }
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("cannot migrate the schema of " + path + ": " + e.getMessage(), e);
        }
        SqliteStore store;
        try {
            Connection writer = dataSource.getConnection();
            try (Statement statement = writer.createStatement()) {
                statement.execute("PRAGMA wal_autocheckpoint = 0");
            }
            writer.setAutoCommit(false);
            Connection reader = dataSource.getConnection();
            Connection checkpointer = dataSource.getConnection();
            // The page cache is per connection: the writer's holds the hot pages of the merge; the reader's serves
            // API queries; the checkpointer only copies pages. 16 + 8 + 1 MiB.
            try (Statement statement = reader.createStatement()) {
                statement.execute("PRAGMA cache_size = -8192");
            }
            try (Statement statement = checkpointer.createStatement()) {
                statement.execute("PRAGMA cache_size = -1024");
            }
            store = new SqliteStore(config, path, writer, reader, checkpointer);
        } catch (SQLException e) {
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
        if (readOnly) {
            store.startReadOnly();
            return store;
        }
        store.start();
        store.loadLog();
        store.maintenance().scheduleWithFixedDelay(store::checkpoint, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        store.merger.scheduleWithFixedDelay(store::mergeWhenDue, 100, 100, TimeUnit.MILLISECONDS);
        return store;
    }

    /** Readings logged before a stop or crash are merged by the merge thread soon after start. */
    private synchronized void loadLog() {
        read("loading the newest stored time of every series", connection -> {
            // One seek per series (CROSS JOIN keeps series the outer loop).
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT s.id, (SELECT max(ts) FROM readings r "
                         + "WHERE r.series = s.id) FROM series s")) {
                while (rs.next()) {
                    long newest = rs.getLong(2);
                    noteMerged(rs.getInt(1), rs.wasNull() ? Long.MIN_VALUE : newest);
                }
            }
            return null;
        });
        read("loading the readings log", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT series, ts FROM readings_log")) {
                while (rs.next()) {
                    logged.add(new LogKey(rs.getInt(1), rs.getLong(2)));
                }
            }
            return null;
        });
        logRows = logged.size();
        oldestLogged = logRows == 0 ? 0 : System.nanoTime() - MERGE_AFTER_NANOS;
    }

    @Override
    public synchronized int write(Batch batch) {
        // What a failed write logged must never be taken as logged by a later one.
        pendingLog = List.of();
        int stored = super.write(batch);
        try {
            while (logRows >= MERGE_BOUND) {
                // The merge thread fell behind (or retention holds the lock): merging here slows the pipeline down.
                if (merge(MERGE_ROWS) == 0) {
                    break;
                }
            }
        } catch (StoreException e) {
            // The batch is committed; the merge is tried again by the next write and by the merge thread.
            LOG.warn("merging logged readings failed: {}", e.getMessage());
        }
        return stored;
    }

    /**
     * Merges the log once it is due. A big log (heavy ingest) goes in chunks of MERGE_ROWS, where many readings of
     * each series share a chunk and so a B-tree leaf write. A small one (a quiet daemon, nothing to amortise) goes in
     * chunks of SMALL_CHUNK, so that a commit, and the acks and alerts behind it, never waits long for the lock.
     */
    private void mergeWhenDue() {
        long backlog;
        synchronized (this) {
            boolean due = logRows >= MERGE_ROWS
                    || (logRows > 0 && System.nanoTime() - oldestLogged >= MERGE_AFTER_NANOS);
            if (!due) {
                return;
            }
            backlog = logRows;
        }
        int chunk = backlog >= MERGE_ROWS ? MERGE_ROWS : SMALL_CHUNK;
        try {
            long merged = 0;
            while (merged < backlog) {
                // Between chunks the lock is free for the pipeline's commits.
                int moved = merge(chunk);
                if (moved == 0) {
                    return;
                }
                merged += moved;
            }
        } catch (StoreException e) {
            // The next round tries again; the log only grows meanwhile, and write() bounds it.
        }
    }

    /**
     * Moves up to {@code rows} of the oldest logged readings into {@code readings}, sorted by series and time, with
     * their rollup deltas, in one transaction.
     *
     * @return how many rows left the log
     */
    private synchronized int merge(int rows) {
        if (logRows == 0) {
            return 0;
        }
        long now = System.nanoTime();
        return transaction("merging logged readings", connection -> {
            long last;
            try (PreparedStatement bound = connection.prepareStatement(
                    "SELECT max(rowid) FROM (SELECT rowid FROM readings_log ORDER BY rowid LIMIT ?)")) {
                bound.setInt(1, rows);
                try (ResultSet rs = bound.executeQuery()) {
                    rs.next();
                    last = rs.getLong(1);
                }
            }
            int n = 0;
            int[] series = new int[1024];
            long[] timestamps = new long[1024];
            double[] values = new double[1024];
            try (PreparedStatement merge = connection.prepareStatement(MERGE)) {
                merge.setLong(1, last);
                try (ResultSet rs = merge.executeQuery()) {
                    while (rs.next()) {
                        if (n == series.length) {
                            series = Arrays.copyOf(series, n * 2);
                            timestamps = Arrays.copyOf(timestamps, n * 2);
                            values = Arrays.copyOf(values, n * 2);
                        }
                        series[n] = rs.getInt(1);
                        timestamps[n] = rs.getLong(2);
                        values[n] = rs.getDouble(3);
                        n++;
                    }
                }
            }
            Runnable rollupsWritten = writeRollups(connection, new Fresh(series, timestamps, values, n, n), now);
            int deleted;
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM readings_log WHERE rowid <= ?")) {
                delete.setLong(1, last);
                deleted = delete.executeUpdate();
            }
            int merged = n;
            int[] mergedSeries = series;
            long[] mergedTimestamps = timestamps;
            return new Commit<>(deleted, () -> {
                rollupsWritten.run();
                for (int i = 0; i < merged; i++) {
                    logged.remove(new LogKey(mergedSeries[i], mergedTimestamps[i]));
                    noteMerged(mergedSeries[i], mergedTimestamps[i]);
                }
                logRows = Math.max(0, logRows - deleted);
                if (logRows == 0) {
                    // Keys of rows that left the log without entering readings (duplicates) go too.
                    logged.clear();
                }
                oldestLogged = logRows == 0 ? 0 : now;
            });
        });
    }

    /**
     * Copies committed pages from the WAL into the database. SQLite would do this inside whichever commit crosses
     * 1,000 WAL pages, stalling that commit (and the acks and actions waiting on it) for tens of milliseconds; here
     * it runs on its own connection and thread, and PASSIVE never blocks the writer.
     */
    private void checkpoint() {
        synchronized (checkpointer) {
            try (Statement statement = checkpointer.createStatement()) {
                statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
            } catch (SQLException e) {
                // The next round tries again; the WAL only grows meanwhile.
            }
        }
    }

    @Override
    protected Connection acquireWriter() {
        return writer;
    }

    @Override
    protected void releaseWriter(Connection connection) {
        // The one writer connection stays open.
    }

    @Override
    protected <T> T read(String what, SqlFunction<Connection, T> work) {
        synchronized (reader) {
            try {
                return work.apply(reader);
            } catch (SQLException e) {
                throw new StoreException(what + " from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    protected Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        List<LogKey> fresh = new ArrayList<>(count);
        List<LogKey> probed = new ArrayList<>();
        Set<LogKey> inBatch = new HashSet<>();
        try (PreparedStatement append = connection.prepareStatement(LOG_NEW);
             PreparedStatement probe = connection.prepareStatement(LOG_READING)) {
            for (int i = 0; i < count; i++) {
                LogKey key = new LogKey(series[i], timestamps[i]);
                if (logged.contains(key) || !inBatch.add(key)) {
                    continue;
                }
                boolean newerThanMerged = series[i] >= newestMerged.length
                        || timestamps[i] > newestMerged[series[i]];
                PreparedStatement insert = newerThanMerged ? append : probe;
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                if (!newerThanMerged) {
                    insert.setInt(4, series[i]);
                    insert.setLong(5, timestamps[i]);
                }
                insert.addBatch();
                (newerThanMerged ? fresh : probed).add(key);
            }
            List<LogKey> stored = new ArrayList<>(fresh.size() + probed.size());
            if (!fresh.isEmpty()) {
                append.executeBatch();
                stored.addAll(fresh);
            }
            if (!probed.isEmpty()) {
                int[] results = probe.executeBatch();
                for (int i = 0; i < results.length; i++) {
                    if (results[i] > 0) {
                        stored.add(probed.get(i));
                    }
                }
            }
            pendingLog = stored;
            // Not in readings yet, so in no rollup yet: the merge adds them.
            return stored.isEmpty() ? Fresh.none() : new Fresh(series, timestamps, values, 0, stored.size());
        }
    }

    private void noteMerged(int series, long timestamp) {
        if (series >= newestMerged.length) {
            int old = newestMerged.length;
            newestMerged = Arrays.copyOf(newestMerged, Math.max(series + 1, old * 2));
            Arrays.fill(newestMerged, old, newestMerged.length, Long.MIN_VALUE);
        }
        if (timestamp > newestMerged[series]) {
            newestMerged[series] = timestamp;
        }
    }

    /** What the running write logged, taken into {@link #logged} only once it commits. */
    private List<LogKey> pendingLog = List.of();

    @Override
    protected void afterWrite(Fresh fresh) {
        if (!pendingLog.isEmpty()) {
            if (logRows == 0) {
                oldestLogged = System.nanoTime();
            }
            logged.addAll(pendingLog);
            logRows += pendingLog.size();
            pendingLog = List.of();
        }
    }

    @Override
    protected List<Point> unmerged(Connection connection, int seriesId, long from, long to) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT ts, value FROM readings_log l "
                + "WHERE series = ? AND ts >= ? AND ts < ? "
                + "AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.series = l.series AND r.ts = l.ts)")) {
            query.setInt(1, seriesId);
            query.setLong(2, from);
            query.setLong(3, to);
            return points(query);
        }
    }

    @Override
    protected String greatest() {
        return "max";
    }

    @Override
    protected String least() {
        return "min";
    }

    @Override
    protected List<String> latestQueries() {
        // Merged readings, and logged ones newer than those.
        return List.of(LATEST, LATEST_LOGGED);
    }

    @Override
    protected String describe() {
        return "sqlite store " + path;
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        merger.shutdownNow();
        try {
            merger.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (this) {
                while (merge(MERGE_ROWS) > 0) {
                    // until the log is empty
                }
            }
        } catch (StoreException e) {
            // What is still logged is merged at the next start.
        }
        closeStore();
        try {
            synchronized (checkpointer) {
                checkpointer.close();
            }
            synchronized (reader) {
                reader.close();
            }
            synchronized (this) {
                writer.close();
            }
        } catch (SQLException e) {
            throw new StoreException("closing " + path + " failed: " + e.getMessage(), e);
        }
    }
}
