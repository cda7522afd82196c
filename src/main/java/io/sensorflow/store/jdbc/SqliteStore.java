package io.sensorflow.store.jdbc;

import io.sensorflow.store.Batch;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoreType;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store: one SQLite file in WAL mode, opened and migrated here. All writes go through one connection
 * (serialised by the transactor); reads use their own connection and never block the writer.
 *
 * <p>Big commits (a busy daemon's) append readings to {@code readings_log}, which {@link SqliteLogMerger} moves into
 * {@code readings} in sorted chunks; small commits go straight into {@code readings}. Queries read the view
 * {@code readings_all}, so logged readings are visible as soon as they are committed. {@link WalCheckpointer} keeps
 * the WAL copied back and bounded.
 */
public final class SqliteStore extends JdbcStore {

    /**
     * A commit of at most this many readings goes straight into {@code readings}. The log pays off only when a merge
     * finds many readings of one series (one leaf write for all of them); a small commit, what a daemon that is not
     * saturated makes, dirties the same leaves either way, and going direct keeps merges, which hold the single
     * writer and with it every commit, ack and alert behind them, from running at all (docs/benchmarks.md).
     */
    public static final int DIRECT_ROWS = 64;

    /** The merge's own thread: a merge may take a while, and the maintenance jobs must not wait for it. */
    private static final String MERGE_THREAD = "sqlite-merge";
    /** How often logged readings are checked for a merge that is due. */
    private static final Duration MERGE_CHECK = Duration.ofMillis(100);
    /** How often the WAL is copied back into the database, off the commit path. */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    /** {@code store.type = sqlite}. */
    public static final StoreType TYPE = new StoreType("sqlite", SqliteStore::open, SqliteStore::openReadOnly);

    private final Path path;
    private final SqliteDialect dialect;
    private final SqliteLogMerger merger;
    private final WalCheckpointer checkpointer;

    private SqliteStore(StoreConfig config, Path path, SqliteDialect dialect, SqliteReadingsLog log,
                        Connection checkpointer) {
        super(config, dialect);
        this.path = path;
        this.dialect = dialect;
        this.merger = new SqliteLogMerger(transactor(), log);
        this.checkpointer = new WalCheckpointer(checkpointer, transactor());
    }

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
            migrate(dataSource, "sqlite", path.toString(), readOnly);
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("cannot migrate the schema of " + path + ": " + e.getMessage(), e);
        }
        SqliteReadingsLog log = new SqliteReadingsLog(directRows);
        SqliteStore store;
        try {
            Connection writer = StatementCache.wrap(dataSource.getConnection());
            try (Statement statement = writer.createStatement()) {
                statement.execute("PRAGMA wal_autocheckpoint = 0");
                statement.execute("PRAGMA journal_size_limit = " + WalCheckpointer.WAL_SIZE_LIMIT);
            }
            writer.setAutoCommit(false);
            List<Connection> readers = new ArrayList<>();
            for (int i = 0; i < config.readConnections(); i++) {
                readers.add(dataSource.getConnection());
            }
            Connection checkpointer = dataSource.getConnection();
            // The page cache is per connection: the writer's holds the hot pages of the merge; the readers' serve
            // queries, 8 MiB for the first and 4 for each other (they read the same hot pages, which the OS caches
            // as well); the checkpointer only copies pages. 16 + 8 + 4 + 1 MiB by default.
            for (int i = 0; i < readers.size(); i++) {
                try (Statement statement = readers.get(i).createStatement()) {
                    statement.execute("PRAGMA cache_size = " + (i == 0 ? -8192 : -4096));
                }
            }
            try (Statement statement = checkpointer.createStatement()) {
                statement.execute("PRAGMA cache_size = -1024");
            }
            store = new SqliteStore(config, path, new SqliteDialect(path, writer, readers, log), log, checkpointer);
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
        store.merger.load(store.dialect);
        store.jobs().every("wal-checkpoint", MAINTENANCE, CHECKPOINT_INTERVAL, CHECKPOINT_INTERVAL,
                store.checkpointer::checkpoint);
        store.jobs().every("sqlite-merge", MERGE_THREAD, MERGE_CHECK, MERGE_CHECK, store.merger::mergeWhenDue);
        return store;
    }

    /**
     * Marks the minutes of readings a crash left in the log for recomputation at start (from readings and the log).
     * Their deltas may or may not have been written; and before this version logged readings entered the rollups only
     * at their merge, so a log left by an older version would otherwise never be counted. Recomputing is exact
     * either way.
     */
    private void markLoggedMinutesDirty() throws SQLException {
        Connection writer = dialect.acquireWriter();
        try (Statement statement = writer.createStatement()) {
            statement.executeUpdate("INSERT INTO rollup_dirty (bucket) SELECT DISTINCT ts / 60000 * 60000 "
                    + "FROM readings_log WHERE true ON CONFLICT DO NOTHING");
        }
        writer.commit();
    }

    @Override
    public int write(Batch batch) {
        synchronized (transactor()) {
            int stored = super.write(batch);
            merger.boundAfterWrite();
            return stored;
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

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        jobs().stop(MERGE_THREAD, Duration.ofSeconds(10));
        merger.drain();
        closeStore();
        try {
            checkpointer.close();
            dialect.close(transactor());
        } catch (SQLException e) {
            throw new StoreException("closing " + path + " failed: " + e.getMessage(), e);
        }
    }
}
