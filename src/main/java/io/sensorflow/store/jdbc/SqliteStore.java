package io.sensorflow.store.jdbc;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.store.StoreException;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * The embedded store: one SQLite file in WAL mode. SQLite allows one writer at a time, so all writes go through one
 * connection (serialised by {@link JdbcStore}); reads use their own connection and never block the writer.
 */
public final class SqliteStore extends JdbcStore {

    private static final String INSERT_READING =
            "INSERT INTO readings (series, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    // Every series' newest reading is the last key of its range in the primary key: one seek per series.
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags FROM series s "
            + "JOIN readings r ON r.series = s.id AND r.ts = (SELECT max(ts) FROM readings m WHERE m.series = s.id) "
            + "ORDER BY s.sensor, s.metric";

    /** How often the WAL is copied back into the database, off the commit path. */
    private static final long CHECKPOINT_INTERVAL_MS = 1000;

    private final Path path;
    private final Connection writer;
    private final Connection reader;
    private final Connection checkpointer;

    private SqliteStore(StoreConfig config, Path path, Connection writer, Connection reader, Connection checkpointer) {
        super(config);
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.checkpointer = checkpointer;
    }

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static SqliteStore open(StoreConfig config) {
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
        // 64 MiB of page cache per connection: the insert points of 10,000 series stay in memory.
        sqlite.setCacheSize(-65_536);
        SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
        dataSource.setUrl("jdbc:sqlite:" + path);
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/sqlite")
                    .loggers("slf4j")
                    .load()
                    .migrate();
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
            store = new SqliteStore(config, path, writer, dataSource.getConnection(), dataSource.getConnection());
        } catch (SQLException e) {
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
        store.start();
        store.maintenance().scheduleWithFixedDelay(store::checkpoint, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        return store;
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
        try (PreparedStatement insert = connection.prepareStatement(INSERT_READING)) {
            for (int i = 0; i < count; i++) {
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                insert.addBatch();
            }
            int[] results = insert.executeBatch();
            int fresh = 0;
            for (int i = 0; i < count; i++) {
                if (results[i] > 0) {
                    series[fresh] = series[i];
                    timestamps[fresh] = timestamps[i];
                    values[fresh] = values[i];
                    fresh++;
                }
            }
            return new Fresh(series, timestamps, values, fresh);
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
    protected String latestSql() {
        return LATEST;
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
