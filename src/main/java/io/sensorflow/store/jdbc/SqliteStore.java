package io.sensorflow.store.jdbc;

import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import io.sensorflow.store.Batch;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The embedded store: one SQLite file in WAL mode. SQLite allows one writer at a time, so all writes go through one
 * connection (serialised here); reads use their own connection and never block the writer.
 */
public final class SqliteStore implements ReadingStore {

    private static final String INSERT_READING =
            "INSERT INTO readings (sensor, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    // Only a newer reading moves "latest"; a late or redelivered one must not take it back in time.
    private static final String UPSERT_LATEST =
            "INSERT INTO latest (sensor, metric, ts, value, tags) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT (sensor, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value, "
                    + "tags = excluded.tags WHERE excluded.ts >= latest.ts";
    private static final String UPSERT_RULE_STATE =
            "INSERT INTO rule_states (rule, sensor, metric, grp, phase, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (rule, sensor, metric, grp) DO UPDATE SET phase = excluded.phase, "
                    + "state = excluded.state, updated_at = excluded.updated_at";
    private static final String INSERT_ALERT_EVENT =
            "INSERT INTO alert_events (episode, state, ts, rule, sensor, metric, grp, severity, value, since, "
                    + "emitted_at, tags, inputs, actions, muted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING";
    private static final String SELECT_ALERT_EVENT = "SELECT episode, state, ts, rule, sensor, metric, grp, severity, "
            + "value, since, emitted_at, tags, inputs, actions, muted FROM alert_events ";
    private static final String INSERT_DEAD_LETTER =
            "INSERT INTO dead_letters (origin, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)";

    /** How often the WAL is copied back into the database, off the commit path. */
    private static final long CHECKPOINT_INTERVAL_MS = 1000;

    private final Path path;
    private final Connection writer;
    private final Connection reader;
    private final Connection checkpointer;
    private final java.util.concurrent.ScheduledExecutorService checkpoints;
    private volatile boolean healthy = true;

    private SqliteStore(Path path, Connection writer, Connection reader, Connection checkpointer) {
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.checkpointer = checkpointer;
        this.checkpoints = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sqlite-checkpoint");
            thread.setDaemon(true);
            return thread;
        });
        checkpoints.scheduleWithFixedDelay(this::checkpoint, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
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
            try (Statement statement = writer.createStatement()) {
                statement.execute("PRAGMA wal_autocheckpoint = 0");
            }
            writer.setAutoCommit(false);
            Connection reader = dataSource.getConnection();
            Connection checkpointer = dataSource.getConnection();
            return new SqliteStore(path, writer, reader, checkpointer);
        } catch (SQLException e) {
            throw new StoreException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized int write(Batch batch) {
        List<Reading> readings = batch.readings();
        List<DeadLetter> deadLetters = batch.deadLetters();
        try (PreparedStatement insert = writer.prepareStatement(INSERT_READING);
             PreparedStatement latest = writer.prepareStatement(UPSERT_LATEST)) {
            for (Reading r : readings) {
                bind(insert, r);
                insert.addBatch();
                bindLatest(latest, r);
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
            writeRuleStates(batch.ruleStates());
            writeAlertEvents(batch.alertEvents());
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

    private void writeRuleStates(List<RuleState> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        try (PreparedStatement upsert = writer.prepareStatement(UPSERT_RULE_STATE)) {
            for (RuleState state : states) {
                upsert.setString(1, state.rule());
                upsert.setString(2, state.sensor());
                upsert.setString(3, state.metric());
                upsert.setString(4, state.group());
                upsert.setString(5, state.phase().label());
                upsert.setString(6, Json.write(state));
                upsert.setLong(7, System.currentTimeMillis());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    private void writeAlertEvents(List<AlertEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = writer.prepareStatement(INSERT_ALERT_EVENT)) {
            for (AlertEvent e : events) {
                insert.setString(1, e.id());
                insert.setString(2, e.repeat() ? "repeat" : e.state().label());
                insert.setLong(3, e.timestamp());
                insert.setString(4, e.rule());
                insert.setString(5, e.sensor());
                insert.setString(6, e.metric());
                insert.setString(7, e.group());
                insert.setString(8, e.severity());
                insert.setDouble(9, e.value());
                insert.setLong(10, e.since());
                insert.setLong(11, e.emittedAt());
                insert.setString(12, Json.write(e.tags()));
                insert.setString(13, Json.write(e.inputs()));
                insert.setString(14, Json.write(e.actions()));
                insert.setString(15, e.muted());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void bind(PreparedStatement statement, Reading r) throws SQLException {
        statement.setString(1, r.sensor());
        statement.setString(2, r.metric());
        statement.setLong(3, r.timestamp());
        statement.setDouble(4, r.value());
    }

    private static void bindLatest(PreparedStatement statement, Reading r) throws SQLException {
        bind(statement, r);
        statement.setString(5, r.tags().isEmpty() ? "{}" : Json.write(r.tags()));
    }

    @Override
    public void saveSilence(Silence silence) {
        writeOne("INSERT INTO silences (id, starts_at, ends_at, silence, created_at) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
                + "silence = excluded.silence", "a silence", upsert -> {
                    upsert.setString(1, silence.id());
                    upsert.setLong(2, silence.startsAt());
                    upsert.setLong(3, silence.endsAt());
                    upsert.setString(4, Json.write(silence));
                    upsert.setLong(5, silence.createdAt());
                });
    }

    /** One statement in its own transaction, for the rare writes that come from the API. */
    private synchronized void writeOne(String sql, String what, Binder binder) {
        try (PreparedStatement statement = writer.prepareStatement(sql)) {
            binder.bind(statement);
            statement.executeUpdate();
            writer.commit();
        } catch (SQLException e) {
            try {
                writer.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw new StoreException("saving " + what + " to " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Silence> silences(long since) {
        synchronized (reader) {
            try (PreparedStatement query = reader.prepareStatement(
                    "SELECT silence FROM silences WHERE ends_at >= ? ORDER BY created_at, id")) {
                query.setLong(1, since);
                List<Silence> result = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        result.add(Json.read(rs.getString(1), Silence.class));
                    }
                }
                return result;
            } catch (SQLException e) {
                throw new StoreException("reading silences from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void saveAcknowledgement(Acknowledgement ack) {
        writeOne("INSERT INTO alert_acks (episode, acked_at, acked_by, comment) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (episode) DO UPDATE SET acked_at = excluded.acked_at, acked_by = excluded.acked_by, "
                + "comment = excluded.comment", "an acknowledgement", upsert -> {
                    upsert.setString(1, ack.episode());
                    upsert.setLong(2, ack.at());
                    upsert.setString(3, ack.by());
                    upsert.setString(4, ack.comment());
                });
    }

    @Override
    public List<Acknowledgement> acknowledgements(long since) {
        synchronized (reader) {
            try (PreparedStatement query = reader.prepareStatement(
                    "SELECT episode, acked_at, acked_by, comment FROM alert_acks WHERE acked_at >= ?")) {
                query.setLong(1, since);
                List<Acknowledgement> result = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        result.add(new Acknowledgement(rs.getString(1), rs.getLong(2), rs.getString(3),
                                rs.getString(4)));
                    }
                }
                return result;
            } catch (SQLException e) {
                throw new StoreException("reading acknowledgements from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<RuleState> ruleStates() {
        synchronized (reader) {
            try (Statement statement = reader.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT state FROM rule_states")) {
                List<RuleState> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(Json.read(rs.getString(1), RuleState.class));
                }
                return result;
            } catch (SQLException e) {
                throw new StoreException("reading rule states from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void scanReadings(long from, Consumer<Reading> consumer) {
        synchronized (reader) {
            try (PreparedStatement query = reader.prepareStatement(
                    "SELECT r.sensor, r.metric, r.ts, r.value, l.tags FROM readings r "
                            + "LEFT JOIN latest l ON l.sensor = r.sensor AND l.metric = r.metric "
                            + "WHERE r.ts >= ? ORDER BY r.ts")) {
                query.setLong(1, from);
                try (ResultSet rs = query.executeQuery()) {
                    Map<String, Map<String, String>> tagCache = new HashMap<>();
                    while (rs.next()) {
                        String tagsJson = rs.getString(5);
                        Map<String, String> tags = tagsJson == null || tagsJson.equals("{}") ? Map.of()
                                : tagCache.computeIfAbsent(tagsJson, Json::readTags);
                        consumer.accept(new Reading(rs.getString(1), rs.getString(2), rs.getDouble(4), rs.getLong(3),
                                tags, "store"));
                    }
                }
            } catch (SQLException e) {
                throw new StoreException("scanning readings in " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<AlertEvent> alertEpisode(String id) {
        return alertEvents(SELECT_ALERT_EVENT + "WHERE episode = ? ORDER BY ts, emitted_at", q -> q.setString(1, id));
    }

    @Override
    public List<AlertEvent> alertHistory(long from, long to, String rule, String sensor, int limit) {
        String sql = SELECT_ALERT_EVENT + "WHERE ts >= ? AND ts < ?" + (rule == null ? "" : " AND rule = ?")
                + (sensor == null ? "" : " AND sensor = ?") + " ORDER BY ts DESC, emitted_at DESC LIMIT ?";
        return alertEvents(sql, q -> {
            int i = 1;
            q.setLong(i++, from);
            q.setLong(i++, to);
            if (rule != null) {
                q.setString(i++, rule);
            }
            if (sensor != null) {
                q.setString(i++, sensor);
            }
            q.setInt(i, limit);
        });
    }

    private List<AlertEvent> alertEvents(String sql, Binder binder) {
        synchronized (reader) {
            try (PreparedStatement query = reader.prepareStatement(sql)) {
                binder.bind(query);
                List<AlertEvent> result = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        String state = rs.getString(2);
                        result.add(new AlertEvent(rs.getString(1), rs.getString(4), rs.getString(5), rs.getString(6),
                                rs.getString(7), state.equals("resolved") ? AlertState.RESOLVED : AlertState.FIRING,
                                rs.getString(8), rs.getDouble(9), rs.getLong(3), rs.getLong(10), rs.getLong(11),
                                Json.readTags(rs.getString(12)), Json.readMap(rs.getString(13)), state.equals("repeat"),
                                Json.readStrings(rs.getString(14)), rs.getString(15)));
                    }
                }
                return result;
            } catch (SQLException e) {
                throw new StoreException("reading alert history from " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
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
        checkpoints.shutdownNow();
        try {
            synchronized (checkpointer) {
                checkpointer.close();
            }
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
