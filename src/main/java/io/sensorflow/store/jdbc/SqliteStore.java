package io.sensorflow.store.jdbc;

import io.sensorflow.store.Batch;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoreType;
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
 * <p>Big commits (a busy daemon's) append readings to {@code readings_log}; a merge thread moves them into
 * {@code readings} in sorted chunks (see the schema's V4 migration and docs/storage.md). With many series this writes
 * each B-tree leaf once per merge instead of once per reading, which is what makes SQLite fast here. Small commits go
 * straight into {@code readings}. Queries read the view {@code readings_all}, so logged readings are visible as soon
 * as they are committed.
 */
public final class SqliteStore extends JdbcStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqliteStore.class);

    // A reading is logged only if it is not stored yet, so every logged reading enters readings at its merge and is
    // counted in the rollups when it is committed. A reading newer than everything stored for its series cannot be
    // stored yet and skips the probe (LOG_NEW): most of them. The merge's ON CONFLICT is only a safety net.
    private static final String LOG_READING = "INSERT INTO readings_log (series, ts, value) SELECT ?, ?, ? "
            + "WHERE NOT EXISTS (SELECT 1 FROM readings WHERE series = ? AND ts = ?)";
    private static final String LOG_NEW = "INSERT INTO readings_log (series, ts, value) VALUES (?, ?, ?)";
    private static final String INSERT_DIRECT = "INSERT INTO readings (series, ts, value) VALUES (?, ?, ?) "
            + "ON CONFLICT DO NOTHING";
    private static final String MERGE = "INSERT INTO readings (series, ts, value) "
            + "SELECT series, ts, value FROM readings_log WHERE rowid <= ? ORDER BY series, ts "
            + "ON CONFLICT DO NOTHING";
    // Every series' newest reading is the last key of its range in the primary key: one seek per series. CROSS JOIN
    // keeps series the outer loop; a plain JOIN let SQLite scan all of readings (4.8 s for 10 M rows).
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags, s.unit FROM series s "
            + "CROSS JOIN readings r WHERE r.series = s.id "
            + "AND r.ts = (SELECT max(ts) FROM readings m WHERE m.series = s.id)";
    // With a single max(), SQLite takes the bare column (value) from the row holding the maximum.
    private static final String LATEST_LOGGED = "SELECT s.sensor, s.metric, m.value, m.ts, s.tags, s.unit FROM "
            + "(SELECT series, max(ts) AS ts, value FROM readings_log GROUP BY series) m JOIN series s ON s.id = m.series";

    /** Past this many frames (4 KiB pages) in the WAL, a checkpoint makes it start over (see checkpoint()). */
    private static final long WAL_RESTART_FRAMES = 16_384;
    /** What a WAL that started over is truncated to. */
    private static final long WAL_SIZE_LIMIT = 64L << 20;
    /** How often the WAL is copied back into the database, off the commit path. */
    private static final long CHECKPOINT_INTERVAL_MS = 1000;
    /**
     * Logged readings are merged once this many wait, or once the oldest has waited MERGE_AFTER, at most this many
     * per transaction. The more readings of each series one merge holds, the fewer leaf writes per reading: with
     * 10,000 series StoreBench measured 188,000/s at 50,000 rows, 253,000/s at 100,000 and 302,000/s at 250,000.
     */
    private static final int MERGE_ROWS = 250_000;
    private static final long MERGE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * A commit of at most this many readings goes straight into {@code readings}. The log pays off only when a merge
     * finds many readings of one series (one leaf write for all of them); a small commit, what a daemon that is not
     * saturated makes, dirties the same leaves either way, and going direct keeps merges, which hold the single
     * writer and with it every commit, ack and alert behind them, from running at all (docs/benchmarks.md).
     */
    public static final int DIRECT_ROWS = 64;
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
    /**
     * The same keys in log order (rowid order), one per row of readings_log, so its size is the log's: a merge takes
     * the oldest rows, and so these from the front.
     */
    private final java.util.ArrayDeque<LogKey> logOrder = new java.util.ArrayDeque<>();
    /** Per series id, the newest timestamp stored (in readings or in the log); Long.MIN_VALUE where none. */
    private long[] newestStored = new long[0];
    private long oldestLogged;
    private final ScheduledExecutorService merger = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sqlite-merge");
        thread.setDaemon(true);
        return thread;
    });

    private final int directRows;

    private SqliteStore(StoreConfig config, Path path, Connection writer, Connection reader, Connection checkpointer,
                        int directRows) {
        super(config);
        this.directRows = directRows;
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.checkpointer = checkpointer;
    }

    /** {@code store.type = sqlite}. */
    public static final StoreType TYPE = new StoreType("sqlite", SqliteStore::open, SqliteStore::openReadOnly);

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static SqliteStore open(StoreConfig config) {
        return open(config, false, DIRECT_ROWS);
    }

    /**
     * Opens the store with another bound for commits that skip the log ({@link #DIRECT_ROWS}); 0 sends every commit
     * through the log, which is how the tests cover the log and the merge with small batches.
     */
    public static SqliteStore open(StoreConfig config, int directRows) {
        return open(config, false, directRows);
    }

    /** Opens the file for reading only, beside a daemon that may be writing it (WAL readers never block). */
    public static SqliteStore openReadOnly(StoreConfig config) {
        if (!Files.isRegularFile(Path.of(config.path()))) {
            throw new StoreException("there is no SQLite store at " + Path.of(config.path()).toAbsolutePath(), null);
        }
        return open(config, true, DIRECT_ROWS);
    }

    private static SqliteStore open(StoreConfig config, boolean readOnly, int directRows) {
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
            Connection writer = StatementCache.wrap(dataSource.getConnection());
            try (Statement statement = writer.createStatement()) {
                statement.execute("PRAGMA wal_autocheckpoint = 0");
                statement.execute("PRAGMA journal_size_limit = " + WAL_SIZE_LIMIT);
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
            store = new SqliteStore(config, path, writer, reader, checkpointer, directRows);
        } catch (SQLException e) {
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
        if (readOnly) {
            store.startReadOnly();
            return store;
        }
        try {
            store.markLoggedMinutesDirty();
        } catch (SQLException e) {
            store.close();
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
        store.start();
        store.loadLog();
        store.maintenance().scheduleWithFixedDelay(store::checkpoint, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        store.merger.scheduleWithFixedDelay(store::mergeWhenDue, 100, 100, TimeUnit.MILLISECONDS);
        return store;
    }

    /**
     * Marks the minutes of readings a crash left in the log for recomputation at start (from readings and the log).
     * Their deltas may or may not have been written; and before this version logged readings entered the rollups only
     * at their merge, so a log left by an older version would otherwise never be counted. Recomputing is exact
     * either way.
     */
    private void markLoggedMinutesDirty() throws SQLException {
        try (Statement statement = writer.createStatement()) {
            statement.executeUpdate("INSERT INTO rollup_dirty (bucket) SELECT DISTINCT ts / 60000 * 60000 "
                    + "FROM readings_log WHERE true ON CONFLICT DO NOTHING");
        }
        writer.commit();
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
                    noteStored(rs.getInt(1), rs.wasNull() ? Long.MIN_VALUE : newest);
                }
            }
            return null;
        });
        read("loading the readings log", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT series, ts FROM readings_log ORDER BY rowid")) {
                while (rs.next()) {
                    LogKey key = new LogKey(rs.getInt(1), rs.getLong(2));
                    logged.add(key);
                    logOrder.add(key);
                    noteStored(key.series(), key.ts());
                }
            }
            return null;
        });
        oldestLogged = logOrder.isEmpty() ? 0 : System.nanoTime() - MERGE_AFTER_NANOS;
    }

    @Override
    public synchronized int write(Batch batch) {
        // What a failed write logged must never be taken as logged by a later one.
        pendingLog = List.of();
        int stored = super.write(batch);
        try {
            while (logOrder.size() >= MERGE_BOUND) {
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
     * Merges the log once it is due, all of it in one transaction up to MERGE_ROWS: many readings of each series then
     * share a chunk and so a B-tree leaf write. Only big commits are logged (a busy daemon's; see DIRECT_ROWS), so a
     * daemon that is not saturated never waits for a merge at all; splitting a merge into small chunks to spare a
     * busy one's latency cost more leaf writes than the wait it saved (docs/benchmarks.md).
     */
    private void mergeWhenDue() {
        long backlog;
        synchronized (this) {
            boolean due = logOrder.size() >= MERGE_ROWS
                    || (!logOrder.isEmpty() && System.nanoTime() - oldestLogged >= MERGE_AFTER_NANOS);
            if (!due) {
                return;
            }
            backlog = logOrder.size();
        }
        int chunk = (int) Math.min(backlog, MERGE_ROWS);
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
     * Moves up to {@code rows} of the oldest logged readings into {@code readings}, sorted by series and time, in one
     * transaction. Their rollups were counted when they were logged; the log is part of what a rollup repair reads.
     *
     * @return how many rows left the log
     */
    private synchronized int merge(int rows) {
        if (logOrder.isEmpty()) {
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
            try (PreparedStatement merge = connection.prepareStatement(MERGE)) {
                merge.setLong(1, last);
                merge.executeUpdate();
            }
            int deleted;
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM readings_log WHERE rowid <= ?")) {
                delete.setLong(1, last);
                deleted = delete.executeUpdate();
            }
            return new Commit<>(deleted, () -> {
                for (int i = 0; i < deleted && !logOrder.isEmpty(); i++) {
                    logged.remove(logOrder.poll());
                }
                oldestLogged = logOrder.isEmpty() ? 0 : now;
            });
        });
    }

    /**
     * Copies committed pages from the WAL into the database. SQLite would do this inside whichever commit crosses
     * 1,000 WAL pages, stalling that commit (and the acks and actions waiting on it) for tens of milliseconds; here
     * it runs on its own connection and thread, and PASSIVE never blocks the writer.
     *
     * <p>PASSIVE alone never lets the WAL start over while commits keep coming: SQLite rewinds the WAL only when a
     * writer finds every frame copied back, and under steady ingest a new commit always lands first. The WAL then
     * grew without bound (1.4 GB for a 100 MB database in StoreBench), and every page read got slower, since SQLite
     * searches the WAL's index before the file. So once the WAL passes {@link #WAL_RESTART_FRAMES}, right after a
     * PASSIVE pass has copied nearly all of it, a RESTART runs holding the writer's lock: it copies the few frames
     * committed since, waits for readers, and the next commit rewinds the WAL (truncated to
     * {@link #WAL_SIZE_LIMIT}).
     */
    private void checkpoint() {
        synchronized (checkpointer) {
            try {
                long[] passive = checkpoint("PASSIVE");
                if (passive[1] >= WAL_RESTART_FRAMES) {
                    synchronized (this) {
                        if (!closed()) {
                            checkpoint("RESTART");
                        }
                    }
                }
            } catch (SQLException e) {
                // The next round tries again; the WAL only grows meanwhile.
            }
        }
    }

    /** Runs one checkpoint on the checkpointer's connection: {busy, frames in the WAL, frames copied back}. */
    private long[] checkpoint(String mode) throws SQLException {
        try (Statement statement = checkpointer.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)} : new long[3];
        }
    }

    /** The size of the WAL file, for tests. */
    public long walBytes() {
        try {
            Path wal = Path.of(path + "-wal");
            return Files.exists(wal) ? Files.size(wal) : 0;
        } catch (IOException e) {
            return -1;
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
        return count <= directRows
                ? insertDirect(connection, series, timestamps, values, count)
                : appendToLog(connection, series, timestamps, values, count);
    }

    /** Inserts into {@code readings}; the new rows move to the front of the arrays and enter the rollups now. */
    private Fresh insertDirect(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        int[] queued = new int[count];
        int n = 0;
        Set<LogKey> inBatch = new HashSet<>();
        try (PreparedStatement handle = connection.prepareStatement(INSERT_DIRECT)) {
            PreparedStatement insert = driverStatement(handle);
            for (int i = 0; i < count; i++) {
                LogKey key = new LogKey(series[i], timestamps[i]);
                // A reading still in the log is stored already.
                if (logged.contains(key) || !inBatch.add(key)) {
                    continue;
                }
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                insert.addBatch();
                queued[n++] = i;
            }
            if (n == 0) {
                return Fresh.none();
            }
            int[] results = insert.executeBatch();
            int fresh = 0;
            for (int j = 0; j < n; j++) {
                if (results[j] > 0) {
                    // queued[j] >= fresh, so moving rows forward never overwrites one still to be read.
                    int i = queued[j];
                    series[fresh] = series[i];
                    timestamps[fresh] = timestamps[i];
                    values[fresh] = values[i];
                    fresh++;
                }
            }
            return new Fresh(series, timestamps, values, fresh);
        }
    }

    /** Appends to {@code readings_log}, in the order the keys then enter {@link #pendingLog}. */
    private Fresh appendToLog(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        int[] fresh = new int[count];
        int freshCount = 0;
        int[] probed = new int[count];
        int probedCount = 0;
        Set<LogKey> inBatch = new HashSet<>();
        try (PreparedStatement appendHandle = connection.prepareStatement(LOG_NEW);
             PreparedStatement probeHandle = connection.prepareStatement(LOG_READING)) {
            PreparedStatement append = driverStatement(appendHandle);
            PreparedStatement probe = driverStatement(probeHandle);
            for (int i = 0; i < count; i++) {
                LogKey key = new LogKey(series[i], timestamps[i]);
                if (logged.contains(key) || !inBatch.add(key)) {
                    continue;
                }
                boolean newerThanStored = series[i] >= newestStored.length
                        || timestamps[i] > newestStored[series[i]];
                PreparedStatement insert = newerThanStored ? append : probe;
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                if (newerThanStored) {
                    fresh[freshCount++] = i;
                } else {
                    insert.setInt(4, series[i]);
                    insert.setLong(5, timestamps[i]);
                    probed[probedCount++] = i;
                }
                insert.addBatch();
            }
            // Rowids follow execution order: the appends, then the probed rows that were new.
            int[] stored = Arrays.copyOf(fresh, freshCount + probedCount);
            int storedCount = freshCount;
            if (freshCount > 0) {
                append.executeBatch();
            }
            if (probedCount > 0) {
                int[] results = probe.executeBatch();
                for (int j = 0; j < results.length; j++) {
                    if (results[j] > 0) {
                        stored[storedCount++] = probed[j];
                    }
                }
            }
            if (storedCount == 0) {
                return Fresh.none();
            }
            int[] storedSeries = new int[storedCount];
            long[] storedTimestamps = new long[storedCount];
            double[] storedValues = new double[storedCount];
            List<LogKey> keys = new ArrayList<>(storedCount);
            for (int j = 0; j < storedCount; j++) {
                int i = stored[j];
                storedSeries[j] = series[i];
                storedTimestamps[j] = timestamps[i];
                storedValues[j] = values[i];
                keys.add(new LogKey(series[i], timestamps[i]));
            }
            pendingLog = keys;
            // Counted in the rollups now: each of them enters readings at its merge.
            return new Fresh(storedSeries, storedTimestamps, storedValues, storedCount);
        }
    }

    private void noteStored(int series, long timestamp) {
        if (series >= newestStored.length) {
            int old = newestStored.length;
            newestStored = Arrays.copyOf(newestStored, Math.max(series + 1, old * 2));
            Arrays.fill(newestStored, old, newestStored.length, Long.MIN_VALUE);
        }
        if (timestamp > newestStored[series]) {
            newestStored[series] = timestamp;
        }
    }

    /** What the running write logged, taken into {@link #logged} only once it commits. */
    private List<LogKey> pendingLog = List.of();

    @Override
    protected void afterWrite(Fresh fresh) {
        for (int i = 0; i < fresh.count(); i++) {
            noteStored(fresh.series()[i], fresh.timestamps()[i]);
        }
        if (!pendingLog.isEmpty()) {
            if (logOrder.isEmpty()) {
                oldestLogged = System.nanoTime();
            }
            logged.addAll(pendingLog);
            logOrder.addAll(pendingLog);
            pendingLog = List.of();
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
