package io.sensorflow.store.jdbc;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
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
import java.util.List;

/**
 * The embedded store: one SQLite file in WAL mode. SQLite allows one writer at a time, so all writes go through one
 * connection (serialised here); reads use their own connection and never block the writer.
 */
public final class SqliteStore implements ReadingStore {

    private static final String INSERT_READING =
            "INSERT INTO readings (sensor, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    // Only a newer reading moves "latest"; a late or redelivered one must not take it back in time.
    private static final String UPSERT_LATEST =
            "INSERT INTO latest (sensor, metric, ts, value) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (sensor, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value "
                    + "WHERE excluded.ts >= latest.ts";
    private static final String INSERT_DEAD_LETTER =
            "INSERT INTO dead_letters (origin, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)";

    private final Path path;
    private final Connection writer;
    private final Connection reader;
    private volatile boolean healthy = true;

    private SqliteStore(Path path, Connection writer, Connection reader) {
        this.path = path;
        this.writer = writer;
        this.reader = reader;
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
        try {
            Connection writer = dataSource.getConnection();
            writer.setAutoCommit(false);
            Connection reader = dataSource.getConnection();
            return new SqliteStore(path, writer, reader);
        } catch (SQLException e) {
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized int write(List<Reading> readings, List<DeadLetter> deadLetters) {
        try (PreparedStatement insert = writer.prepareStatement(INSERT_READING);
             PreparedStatement latest = writer.prepareStatement(UPSERT_LATEST)) {
            for (Reading r : readings) {
                bind(insert, r);
                insert.addBatch();
                bind(latest, r);
                latest.addBatch();
            }
            int inserted = 0;
            if (!readings.isEmpty()) {
                for (int count : insert.executeBatch()) {
                    inserted += Math.max(count, 0);
                }
                latest.executeBatch();
            }
            if (!deadLetters.isEmpty()) {
                try (PreparedStatement dead = writer.prepareStatement(INSERT_DEAD_LETTER)) {
                    for (DeadLetter d : deadLetters) {
                        dead.setString(1, d.origin());
                        dead.setString(2, d.topic());
                        dead.setString(3, d.reason());
                        dead.setString(4, d.detail());
                        dead.setBytes(5, d.payload());
                        dead.setLong(6, d.receivedAt());
                        dead.addBatch();
                    }
                    dead.executeBatch();
                }
            }
            writer.commit();
            healthy = true;
            return inserted;
        } catch (SQLException e) {
            healthy = false;
            try {
                writer.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw new StoreException("write to " + path + " failed: " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement statement, Reading r) throws SQLException {
        statement.setString(1, r.sensor());
        statement.setString(2, r.metric());
        statement.setLong(3, r.timestamp());
        statement.setDouble(4, r.value());
    }

    @Override
    public List<LatestReading> latest() {
        synchronized (reader) {
            try (Statement statement = reader.createStatement();
                 ResultSet rs = statement.executeQuery(
                         "SELECT sensor, metric, value, ts FROM latest ORDER BY sensor, metric")) {
                List<LatestReading> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(new LatestReading(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getLong(4)));
                }
                return result;
            } catch (SQLException e) {
                throw new StoreException("reading latest values from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public long countReadings() {
        synchronized (reader) {
            try (Statement statement = reader.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT count(*) FROM readings")) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                throw new StoreException("counting readings in " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void close() {
        try {
            reader.close();
            writer.close();
        } catch (SQLException e) {
            throw new StoreException("closing " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "sqlite store " + path;
    }
}
