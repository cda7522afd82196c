package io.sensorflow.store.jdbc;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Bucket;
import io.sensorflow.store.Point;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.Resolution;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What both SQL stores share: the schema (series ids, readings clustered by series and time, rollups, alert history),
 * one writer at a time, idempotent batch commits, rollup maintenance and retention. Subclasses supply connections and
 * the few statements whose SQL differs.
 *
 * <p>Every write goes through {@code synchronized} methods, one transaction each: the pipeline's commits, the API's
 * silences and acknowledgements, rollup flushes and retention chunks.
 */
public abstract class JdbcStore implements ReadingStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);

    /** A minute's rollup delta is written this long after its first reading, gathering the rest meanwhile. */
    private static final long ROLLUP_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** At most this many rollup deltas per commit, so that rollups never make one commit slow. */
    private static final int ROLLUP_FLUSH_PER_COMMIT = 2000;
    /** Beyond this many waiting deltas they are written regardless of age: memory stays bounded. */
    private static final int ROLLUP_MAX_PENDING = 200_000;
    /** Series per retention transaction. */
    private static final int RETENTION_CHUNK = 200;

    private static final String INSERT_DEAD_LETTER =
            "INSERT INTO dead_letters (origin, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)";
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
    private static final String ROLLUP_COLUMNS = "series, bucket, vmin, vmax, vsum, vcount, last_ts, last_value";

    protected final StoreConfig config;
    private final Map<SeriesKey, SeriesEntry> series = new ConcurrentHashMap<>();
    private final Rollups rollups = new Rollups(ROLLUP_DELAY_NANOS, ROLLUP_FLUSH_PER_COMMIT, ROLLUP_MAX_PENDING);
    private final ScheduledExecutorService maintenance;
    private volatile boolean healthy = true;
    private volatile long lastWriteNanos = System.nanoTime();
    private volatile boolean closed;
    private boolean readOnly;
    /**
     * A write failed, possibly after its COMMIT reached the server (a connection lost mid-commit): whether its rollup
     * deltas are in the tables is unknown. The next transaction first recomputes every marked minute from raw
     * readings, which are exact either way.
     */
    private boolean rollupsSuspect;
    private boolean repairing;

    /** A series' identity in the API and in readings. */
    protected record SeriesKey(String sensor, String metric) {
    }

    /** A series' id and the tags of its newest reading, as committed. */
    protected record SeriesEntry(int id, Map<String, String> tags, long tagsTs, String unit) {
    }

    /** What an insert did: the first {@code count} rows of the arrays were new, and so belong in the rollups. */
    protected record Fresh(int[] series, long[] timestamps, double[] values, int count) {

        static Fresh none() {
            return new Fresh(new int[0], new long[0], new double[0], 0);
        }
    }

    protected JdbcStore(StoreConfig config) {
        this.config = config;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "store-maintenance");
            thread.setDaemon(true);
            return thread;
        });
    }

    // ---- what a dialect supplies ----

    /** The connection to write on, in a transaction (auto-commit off). */
    protected abstract Connection acquireWriter() throws SQLException;

    /** Gives back what {@link #acquireWriter} handed out. */
    protected abstract void releaseWriter(Connection connection);

    /** Runs a read on a connection of the dialect's choosing. */
    protected abstract <T> T read(String what, SqlFunction<Connection, T> reader);

    /** Inserts readings sorted by series and time, skipping stored ones, and tells which were new. */
    protected abstract Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values,
                                            int count) throws SQLException;

    /** The SQL name of the two-argument maximum: {@code max} in SQLite, {@code GREATEST} in PostgreSQL. */
    protected abstract String greatest();

    /** The SQL name of the two-argument minimum. */
    protected abstract String least();

    /**
     * Queries that together give every series' newest reading (sensor, metric, value, ts, tags); where a series
     * appears in more than one, the newest row wins.
     */
    protected abstract List<String> latestQueries();

    /** Prepares a connection for a long streaming query (PostgreSQL only streams inside a transaction). */
    protected void beginStreaming(Connection connection) throws SQLException {
    }

    protected void endStreaming(Connection connection) throws SQLException {
    }

    /** What is being written to, for errors and logs. */
    protected abstract String describe();

    @FunctionalInterface
    protected interface SqlFunction<A, B> {
        B apply(A value) throws SQLException;
    }

    @FunctionalInterface
    protected interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    // ---- start ----

    /** Loads the series, repairs rollups a crash left behind and starts hourly retention and rollup flushing. */
    protected final void start() {
        read("loading series", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT id, sensor, metric, tags, tags_ts, unit FROM series")) {
                while (rs.next()) {
                    series.put(new SeriesKey(rs.getString(2), rs.getString(3)),
                            new SeriesEntry(rs.getInt(1), Json.readTags(rs.getString(4)), rs.getLong(5),
                                    rs.getString(6)));
                }
            }
            return null;
        });
        int repaired = repairRollups();
        if (repaired > 0) {
            LOG.info("recomputed the rollups of {} minutes that were not written before the last stop", repaired);
        }
        maintenance.scheduleWithFixedDelay(this::flushIdleRollups, 1, 1, TimeUnit.SECONDS);
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                Retained retained = retain(System.currentTimeMillis());
                if (retained.readings() + retained.deadLetters() + retained.minuteRollups() + retained.hourRollups()
                        > 0) {
                    LOG.info("retention deleted {}", retained);
                }
            } catch (RuntimeException e) {
                LOG.warn("retention failed, trying again in an hour: {}", e.getMessage());
            }
        }, 60, 3600, TimeUnit.SECONDS);
    }

    /**
     * For tools that only read (export) while a daemon may be writing: no repair, no merges, no retention, and every
     * write refused, so the tool never races the daemon's own bookkeeping.
     */
    protected final void startReadOnly() {
        readOnly = true;
    }

    /** For read-only opens: the schema must be there and current, since a tool that only reads never migrates. */
    protected static void requireCurrentSchema(org.flywaydb.core.Flyway flyway, String where) {
        var info = flyway.info();
        if (info.current() == null || info.pending().length > 0) {
            throw new StoreException(where + " holds no sensorflow store of this version"
                    + (info.current() == null ? "" : " (schema version " + info.current().getVersion()
                    + "; start the daemon once to migrate it)"), null);
        }
    }

    /** Whether {@link #closeStore} has run. */
    protected final boolean closed() {
        return closed;
    }

    protected final ScheduledExecutorService maintenance() {
        return maintenance;
    }

    // ---- writing ----

    @Override
    public synchronized int write(Batch batch) {
        return transaction("write of " + batch.readings().size() + " readings", connection -> {
            long now = System.nanoTime();
            Map<SeriesKey, SeriesEntry> changed = new HashMap<>();
            List<Reading> numbers = batch.readings();
            List<Reading> states = List.of();
            if (numbers.stream().anyMatch(Reading::isState)) {
                numbers = batch.readings().stream().filter(r -> !r.isState()).toList();
                states = batch.readings().stream().filter(Reading::isState).toList();
            }
            Fresh fresh = writeReadings(connection, numbers, changed);
            int newStates = writeStates(connection, states, changed);
            Runnable rollupsWritten = writeRollups(connection, fresh, now);
            writeDeadLetters(connection, batch.deadLetters());
            writeRuleStates(connection, batch.ruleStates());
            writeAlertEvents(connection, batch.alertEvents());
            return new Commit<>(fresh.count() + newStates, () -> {
                rollupsWritten.run();
                series.putAll(changed);
                lastWriteNanos = now;
                afterWrite(fresh);
            });
        });
    }

    /** What a transaction returns, and what to do in memory once it has committed (never if it rolled back). */
    protected record Commit<T>(T result, Runnable afterCommit) {
    }

    /** Runs one write transaction on the writer; must be called holding this store's lock. */
    protected final <T> T transaction(String what, SqlFunction<Connection, Commit<T>> work) {
        if (closed) {
            throw new StoreException(describe() + " is closed", null);
        }
        if (readOnly) {
            throw new StoreException(describe() + " was opened read-only", null);
        }
        if (rollupsSuspect && !repairing) {
            repairing = true;
            try {
                int minutes = repairRollups();
                rollups.clear();
                rollupsSuspect = false;
                LOG.info("recomputed the rollups of {} minutes after a failed write", minutes);
            } finally {
                repairing = false;
            }
        }
        Connection connection = null;
        try {
            connection = acquireWriter();
            Commit<T> commit = work.apply(connection);
            connection.commit();
            commit.afterCommit().run();
            healthy = true;
            return commit.result();
        } catch (SQLException | RuntimeException e) {
            healthy = false;
            rollupsSuspect = true;
            if (connection != null) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException(what + " to " + describe() + " failed: " + e.getMessage(), e);
        } finally {
            if (connection != null) {
                releaseWriter(connection);
            }
        }
    }

    private Fresh writeReadings(Connection connection, List<Reading> readings, Map<SeriesKey, SeriesEntry> changed)
            throws SQLException {
        int n = readings.size();
        if (n == 0) {
            return Fresh.none();
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = resolveSeries(connection, readings.get(i), changed);
        }
        // Sorted by (series, ts): neighbouring rows land on the same B-tree pages.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> ids[a] != ids[b] ? Integer.compare(ids[a], ids[b])
                : Long.compare(readings.get(a).timestamp(), readings.get(b).timestamp()));
        int[] sortedIds = new int[n];
        long[] timestamps = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            Reading r = readings.get(order[i]);
            sortedIds[i] = ids[order[i]];
            timestamps[i] = r.timestamp();
            values[i] = r.value();
        }
        return insertReadings(connection, sortedIds, timestamps, values, n);
    }

    /** State readings go to their own table: no number, no rollups; idempotent on (series, ts) like the rest. */
    private int writeStates(Connection connection, List<Reading> states, Map<SeriesKey, SeriesEntry> changed)
            throws SQLException {
        if (states.isEmpty()) {
            return 0;
        }
        int fresh = 0;
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO states (series, ts, state) VALUES (?, ?, ?) ON CONFLICT (series, ts) DO NOTHING")) {
            for (Reading state : states) {
                insert.setInt(1, resolveSeries(connection, state, changed));
                insert.setLong(2, state.timestamp());
                insert.setString(3, state.state());
                insert.addBatch();
            }
            for (int count : insert.executeBatch()) {
                // PostgreSQL with reWriteBatchedInserts says only "done" (SUCCESS_NO_INFO): counted as new.
                fresh += count > 0 || count == Statement.SUCCESS_NO_INFO ? 1 : 0;
            }
        }
        return fresh;
    }

    @Override
    public List<io.sensorflow.store.StatePoint> states(String sensor, String metric, long from, long to, int limit) {
        return read("reading states of " + sensor + "/" + metric, connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT st.ts, st.state FROM series s CROSS JOIN states st WHERE st.series = s.id "
                            + "AND s.sensor = ? AND s.metric = ? AND st.ts >= ? AND st.ts < ? ORDER BY st.ts LIMIT ?")) {
                query.setString(1, sensor);
                query.setString(2, metric);
                query.setLong(3, from);
                query.setLong(4, to);
                query.setInt(5, limit);
                List<io.sensorflow.store.StatePoint> points = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        points.add(new io.sensorflow.store.StatePoint(rs.getLong(1), rs.getString(2)));
                    }
                }
                return points;
            }
        });
    }

    /** The series id of a reading, creating the series or updating its tags when they changed. */
    private int resolveSeries(Connection connection, Reading reading, Map<SeriesKey, SeriesEntry> changed)
            throws SQLException {
        SeriesKey key = new SeriesKey(reading.sensor(), reading.metric());
        SeriesEntry entry = changed.get(key);
        if (entry == null) {
            entry = series.get(key);
        }
        if (entry == null) {
            entry = upsertSeries(connection, key, reading);
            changed.put(key, entry);
        } else if (reading.timestamp() >= entry.tagsTs() && !entry.tags().equals(reading.tags())) {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE series SET tags = ?, tags_ts = ? WHERE id = ? AND tags_ts <= ?")) {
                update.setString(1, Json.write(reading.tags()));
                update.setLong(2, reading.timestamp());
                update.setInt(3, entry.id());
                update.setLong(4, reading.timestamp());
                update.executeUpdate();
            }
            entry = new SeriesEntry(entry.id(), reading.tags(), reading.timestamp(), entry.unit());
            changed.put(key, entry);
        }
        if (reading.unit() != null && !reading.unit().equals(entry.unit())) {
            // The unit a series' readings last named; a reading without one leaves it as it is.
            try (PreparedStatement update = connection.prepareStatement("UPDATE series SET unit = ? WHERE id = ?")) {
                update.setString(1, reading.unit());
                update.setInt(2, entry.id());
                update.executeUpdate();
            }
            entry = new SeriesEntry(entry.id(), entry.tags(), entry.tagsTs(), reading.unit());
            changed.put(key, entry);
        }
        return entry.id();
    }

    private SeriesEntry upsertSeries(Connection connection, SeriesKey key, Reading reading) throws SQLException {
        // Another daemon sharing the store may have created the series meanwhile: the upsert returns its id.
        try (PreparedStatement upsert = connection.prepareStatement(
                "INSERT INTO series (sensor, metric, tags, tags_ts, unit) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT (sensor, metric) DO UPDATE SET "
                        + "tags = CASE WHEN excluded.tags_ts >= series.tags_ts THEN excluded.tags ELSE series.tags END, "
                        + "tags_ts = " + greatest() + "(series.tags_ts, excluded.tags_ts), "
                        + "unit = COALESCE(excluded.unit, series.unit) "
                        + "RETURNING id, tags, tags_ts, unit")) {
            upsert.setString(1, key.sensor());
            upsert.setString(2, key.metric());
            upsert.setString(3, Json.write(reading.tags()));
            upsert.setLong(4, reading.timestamp());
            upsert.setString(5, reading.unit());
            try (ResultSet rs = upsert.executeQuery()) {
                rs.next();
                return new SeriesEntry(rs.getInt(1), Json.readTags(rs.getString(2)), rs.getLong(3), rs.getString(4));
            }
        }
    }

    /** Called after a write committed, with what it inserted. */
    protected void afterWrite(Fresh fresh) {
    }

    /**
     * Adds readings that entered {@code readings} in this transaction to the rollups, and writes the deltas that are
     * due; the returned action, run after the commit, makes it so in memory. Holding this store's lock.
     */
    protected final Runnable writeRollups(Connection connection, Fresh fresh, long nowNanos) throws SQLException {
        Rollups.Plan plan = rollups.plan(
                Rollups.deltas(fresh.series(), fresh.timestamps(), fresh.values(), fresh.count()), nowNanos, false);
        writeRollups(connection, plan);
        return () -> rollups.commit(plan, nowNanos);
    }

    private void writeRollups(Connection connection, Rollups.Plan plan) throws SQLException {
        if (!plan.markDirty().isEmpty()) {
            try (PreparedStatement mark = connection.prepareStatement(
                    "INSERT INTO rollup_dirty (bucket) VALUES (?) ON CONFLICT DO NOTHING")) {
                for (long minute : plan.markDirty()) {
                    mark.setLong(1, minute);
                    mark.addBatch();
                }
                mark.executeBatch();
            }
        }
        if (plan.writesRollups()) {
            mergeRollups(connection, "rollup_1m", plan.minutes());
            mergeRollups(connection, "rollup_1h", plan.hours());
        }
        if (!plan.clearDirty().isEmpty()) {
            try (PreparedStatement clear = connection.prepareStatement("DELETE FROM rollup_dirty WHERE bucket = ?")) {
                for (long minute : plan.clearDirty()) {
                    clear.setLong(1, minute);
                    clear.addBatch();
                }
                clear.executeBatch();
            }
        }
    }

    /** The upsert that adds deltas to a rollup table, given what supplies the rows (VALUES or a set function). */
    protected final String mergeRollupsSql(String table, String rows) {
        return "INSERT INTO " + table + " (" + ROLLUP_COLUMNS + ") " + rows + " "
                + "ON CONFLICT (series, bucket) DO UPDATE SET "
                + "vmin = " + least() + "(" + table + ".vmin, excluded.vmin), "
                + "vmax = " + greatest() + "(" + table + ".vmax, excluded.vmax), "
                + "vsum = " + table + ".vsum + excluded.vsum, "
                + "vcount = " + table + ".vcount + excluded.vcount, "
                + "last_value = CASE WHEN excluded.last_ts >= " + table + ".last_ts THEN excluded.last_value "
                + "ELSE " + table + ".last_value END, "
                + "last_ts = " + greatest() + "(" + table + ".last_ts, excluded.last_ts)";
    }

    /**
     * The driver's own statement behind a pooled or cached one, for loops that bind thousands of parameters: each call
     * through {@link StatementCache}'s reflective proxy cost about as much as the bind itself. The handle stays the
     * thing to close, so the statement still goes back to its cache or pool.
     */
    protected static PreparedStatement driverStatement(PreparedStatement handle) throws SQLException {
        return handle.isWrapperFor(PreparedStatement.class) ? handle.unwrap(PreparedStatement.class) : handle;
    }

    /** The SQL of {@link #mergeRollups}, per table: built once, not per commit. */
    private final Map<String, String> mergeRollupsValues = new ConcurrentHashMap<>();

    /** Adds deltas (one per series and bucket) to a rollup table. */
    protected void mergeRollups(Connection connection, String table, List<Rollups.Delta> deltas) throws SQLException {
        try (PreparedStatement handle = connection.prepareStatement(mergeRollupsValues.computeIfAbsent(table,
                t -> mergeRollupsSql(t, "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))) {
            PreparedStatement merge = driverStatement(handle);
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

    /** Writes rollup deltas that are due when no commit has come along to carry them (a quiet daemon). */
    private void flushIdleRollups() {
        long now = System.nanoTime();
        if (now - lastWriteNanos < ROLLUP_DELAY_NANOS) {
            return;
        }
        synchronized (this) {
            if (closed || !rollups.hasDue(now)) {
                return;
            }
            try {
                flushRollups(false);
            } catch (StoreException e) {
                // The next commit or round tries again; until then the deltas wait, and their minutes stay marked.
                LOG.debug("rollup flush failed: {}", e.getMessage());
            }
        }
    }

    private void flushRollups(boolean all) {
        long now = System.nanoTime();
        transaction("rollup flush", connection -> {
            Rollups.Plan plan = rollups.plan(Map.of(), now, all);
            writeRollups(connection, plan);
            return new Commit<>(null, () -> rollups.commit(plan, now));
        });
    }

    private void writeDeadLetters(Connection connection, List<DeadLetter> deadLetters) throws SQLException {
        if (deadLetters.isEmpty()) {
            return;
        }
        try (PreparedStatement dead = connection.prepareStatement(INSERT_DEAD_LETTER)) {
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

    private void writeRuleStates(Connection connection, List<RuleState> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT_RULE_STATE)) {
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

    private void writeAlertEvents(Connection connection, List<AlertEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_ALERT_EVENT)) {
            for (AlertEvent e : events) {
                insert.setString(1, e.id());
                insert.setString(2, e.repeat() ? "repeat" : e.state().label());
                insert.setLong(3, e.timestamp());
                insert.setString(4, e.rule());
                insert.setString(5, e.sensor());
                insert.setString(6, e.metric());
                insert.setString(7, e.group());
                insert.setString(8, e.severity());
                // SQLite turns NaN into NULL, which the column refuses: one such value would stop every commit.
                insert.setDouble(9, Double.isFinite(e.value()) ? e.value() : 0);
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

    /** One statement in its own transaction, for the rare writes that come from the API. */
    private synchronized void writeOne(String sql, String what, Binder binder) {
        transaction("saving " + what, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                binder.bind(statement);
                statement.executeUpdate();
            }
            return new Commit<>(null, () -> { });
        });
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

    // ---- rollup repair and retention ----

    /**
     * Recomputes the rollups of every minute still marked dirty (a crash came before its deltas were written), from
     * every stored reading: SQLite's log too, whose readings were counted when they were logged. The CROSS JOINs keep
     * series the outer loop, so each series' range is a seek (SQLite has no index on time alone).
     */
    private synchronized int repairRollups() {
        return transaction("rollup repair", connection -> {
            List<Long> minutes = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT bucket FROM rollup_dirty ORDER BY bucket")) {
                while (rs.next()) {
                    minutes.add(rs.getLong(1));
                }
            }
            java.util.Set<Long> hours = new java.util.TreeSet<>();
            for (long minute : minutes) {
                recompute(connection, "rollup_1m", minute, Resolution.MINUTE.millis(),
                        "SELECT r.series AS series, r.ts / 60000 * 60000 AS bucket, min(r.value) AS vmin, "
                                + "max(r.value) AS vmax, sum(r.value) AS vsum, count(*) AS vcount, "
                                + "max(r.ts) AS last_ts FROM series s CROSS JOIN readings_all r WHERE r.series = s.id "
                                + "AND r.ts >= ? AND r.ts < ? GROUP BY r.series, r.ts / 60000 * 60000",
                        "JOIN readings_all x ON x.series = g.series AND x.ts = g.last_ts", "x.value");
                hours.add(Resolution.HOUR.bucketOf(minute));
            }
            for (long hour : hours) {
                recompute(connection, "rollup_1h", hour, Resolution.HOUR.millis(),
                        "SELECT m.series AS series, m.bucket / 3600000 * 3600000 AS bucket, min(m.vmin) AS vmin, "
                                + "max(m.vmax) AS vmax, sum(m.vsum) AS vsum, sum(m.vcount) AS vcount, "
                                + "max(m.last_ts) AS last_ts FROM series s CROSS JOIN rollup_1m m "
                                + "WHERE m.series = s.id AND m.bucket >= ? AND m.bucket < ? "
                                + "GROUP BY m.series, m.bucket / 3600000 * 3600000",
                        "JOIN rollup_1m x ON x.series = g.series AND x.bucket = g.last_ts / 60000 * 60000",
                        "x.last_value");
            }
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("DELETE FROM rollup_dirty");
            }
            return new Commit<>(minutes.size(), () -> { });
        });
    }

    /** Replaces one bucket of a rollup table, for every series, with what {@code groupSql} computes. */
    private void recompute(Connection connection, String table, long bucket, long width, String groupSql,
                           String lastJoin, String lastColumn) throws SQLException {
        String sql = "INSERT INTO " + table + " (" + ROLLUP_COLUMNS + ") "
                + "SELECT g.series, g.bucket, g.vmin, g.vmax, g.vsum, g.vcount, g.last_ts, " + lastColumn
                + " FROM (" + groupSql + ") g " + lastJoin
                + " ON CONFLICT (series, bucket) DO UPDATE SET vmin = excluded.vmin, vmax = excluded.vmax, "
                + "vsum = excluded.vsum, vcount = excluded.vcount, last_ts = excluded.last_ts, "
                + "last_value = excluded.last_value";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, bucket);
            statement.setLong(2, bucket + width);
            statement.executeUpdate();
        }
    }

    @Override
    public Retained retain(long now) {
        long readings = 0;
        long minutes = 0;
        long hours = 0;
        List<Integer> ids = series.values().stream().map(SeriesEntry::id).sorted().toList();
        for (int from = 0; from < ids.size(); from += RETENTION_CHUNK) {
            List<Integer> chunk = ids.subList(from, Math.min(ids.size(), from + RETENTION_CHUNK));
            readings += deleteOlder("readings", "ts", chunk, config.retention(), now);
            readings += deleteOlder("states", "ts", chunk, config.retention(), now);
            minutes += deleteOlder("rollup_1m", "bucket", chunk, config.minuteRetention(), now);
            hours += deleteOlder("rollup_1h", "bucket", chunk, config.hourRetention(), now);
        }
        long deadLetters = 0;
        if (!config.retention().isZero()) {
            synchronized (this) {
                deadLetters = transaction("dead-letter retention", connection -> {
                    try (PreparedStatement delete = connection.prepareStatement(
                            "DELETE FROM dead_letters WHERE received_at < ?")) {
                        delete.setLong(1, now - config.retention().toMillis());
                        return new Commit<>((long) delete.executeUpdate(), () -> { });
                    }
                });
            }
        }
        return new Retained(readings, deadLetters, minutes, hours);
    }

    private synchronized long deleteOlder(String table, String column, List<Integer> ids,
                                          java.time.Duration retention, long now) {
        if (retention.isZero()) {
            return 0;
        }
        long cutoff = now - retention.toMillis();
        return transaction(table + " retention", connection -> {
            long deleted = 0;
            // One range delete per series: the primary key (series, time) finds each range without a time index.
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM " + table + " WHERE series = ? AND " + column + " < ?")) {
                for (int id : ids) {
                    delete.setInt(1, id);
                    delete.setLong(2, cutoff);
                    delete.addBatch();
                }
                for (int count : delete.executeBatch()) {
                    deleted += Math.max(count, 0);
                }
            }
            return new Commit<>(deleted, () -> { });
        });
    }

    // ---- reading ----

    @Override
    public void scanStates(long from, long to, Consumer<Reading> consumer) {
        read("scanning states", connection -> {
            beginStreaming(connection);
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT s.sensor, s.metric, st.ts, st.state, s.tags FROM series s CROSS JOIN states st "
                            + "WHERE st.series = s.id AND st.ts >= ? AND st.ts < ?")) {
                query.setFetchSize(10_000);
                query.setLong(1, from);
                query.setLong(2, to);
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        consumer.accept(Reading.ofState(rs.getString(1), rs.getString(2), rs.getString(4),
                                rs.getLong(3), Json.readTags(rs.getString(5)), "store"));
                    }
                }
            } finally {
                endStreaming(connection);
            }
            return null;
        });
    }

    @Override
    public void scanReadings(long from, long to, ScanOrder order, Consumer<Reading> consumer) {
        // CROSS JOIN makes SQLite loop over series and seek each one's time range (there is no index on time alone);
        // for PostgreSQL it is an ordinary join. ANY has no ORDER BY, so any size streams without a sort.
        String sql = "SELECT s.sensor, s.metric, r.ts, r.value, s.tags, s.unit FROM series s CROSS JOIN readings_all r "
                + "WHERE r.series = s.id AND r.ts >= ? AND r.ts < ?" + (order == ScanOrder.TIME ? " ORDER BY r.ts" : "");
        read("scanning readings", connection -> {
            beginStreaming(connection);
            try (PreparedStatement query = connection.prepareStatement(sql)) {
                query.setFetchSize(10_000);
                query.setLong(1, from);
                query.setLong(2, to);
                try (ResultSet rs = query.executeQuery()) {
                    Map<String, Map<String, String>> tagCache = new HashMap<>();
                    while (rs.next()) {
                        String tagsJson = rs.getString(5);
                        Map<String, String> tags = tagsJson.equals("{}") ? Map.of()
                                : tagCache.computeIfAbsent(tagsJson, Json::readTags);
                        consumer.accept(new Reading(rs.getString(1), rs.getString(2), rs.getDouble(4),
                                rs.getLong(3), tags, "store", rs.getString(6)));
                    }
                }
            } finally {
                endStreaming(connection);
            }
            return null;
        });
    }

    @Override
    public boolean hasSeries(String sensor, String metric) {
        if (series.containsKey(new SeriesKey(sensor, metric))) {
            return true;
        }
        // Another daemon sharing the store may have created it.
        return read("looking up " + sensor + "/" + metric, connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT 1 FROM series WHERE sensor = ? AND metric = ?")) {
                query.setString(1, sensor);
                query.setString(2, metric);
                try (ResultSet rs = query.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<Point> readings(String sensor, String metric, long from, long to, int limit) {
        return read("reading " + sensor + "/" + metric, connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT r.ts, r.value FROM series s JOIN readings_all r ON r.series = s.id "
                            + "WHERE s.sensor = ? AND s.metric = ? AND r.ts >= ? AND r.ts < ? ORDER BY r.ts LIMIT ?")) {
                query.setString(1, sensor);
                query.setString(2, metric);
                query.setLong(3, from);
                query.setLong(4, to);
                query.setInt(5, limit);
                return points(query);
            }
        });
    }

    /** Runs a query whose rows are (ts, value). */
    protected static List<Point> points(PreparedStatement query) throws SQLException {
        List<Point> points = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                points.add(new Point(rs.getLong(1), rs.getDouble(2)));
            }
        }
        return points;
    }

    @Override
    public List<Bucket> rollups(String sensor, String metric, Resolution resolution, long from, long to, int limit) {
        // Under the writer's lock: the table and the waiting deltas are read as of one moment, so no flush in
        // between can count a reading twice or not at all. A few milliseconds.
        synchronized (this) {
            return rollupsNow(sensor, metric, resolution, from, to, limit);
        }
    }

    private List<Bucket> rollupsNow(String sensor, String metric, Resolution resolution, long from, long to,
                                    int limit) {
        String table = resolution == Resolution.MINUTE ? "rollup_1m" : "rollup_1h";
        TreeMap<Long, Bucket> buckets = new TreeMap<>();
        read("reading " + resolution.label() + " rollups of " + sensor + "/" + metric, connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT m.bucket, m.vmin, m.vmax, m.vsum, m.vcount, m.last_ts, m.last_value FROM series s "
                            + "JOIN " + table + " m ON m.series = s.id WHERE s.sensor = ? AND s.metric = ? "
                            + "AND m.bucket >= ? AND m.bucket < ? ORDER BY m.bucket LIMIT ?")) {
                query.setString(1, sensor);
                query.setString(2, metric);
                query.setLong(3, from);
                query.setLong(4, to);
                query.setInt(5, limit);
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        buckets.put(rs.getLong(1), new Bucket(rs.getLong(1), rs.getDouble(2), rs.getDouble(3),
                                rs.getDouble(4), rs.getLong(5), rs.getLong(6), rs.getDouble(7)));
                    }
                }
            }
            return null;
        });
        SeriesEntry entry = series.get(new SeriesKey(sensor, metric));
        if (entry != null) {
            // Deltas not written yet belong in the answer: a query sees every committed reading.
            rollups.forEachPending(entry.id(), (minute, delta) -> {
                long start = resolution.bucketOf(minute);
                if (start >= from && start < to) {
                    buckets.merge(start, delta, (a, b) -> a.merge(start, b));
                }
            });
        }
        List<Bucket> result = new ArrayList<>(buckets.values());
        return result.size() > limit ? result.subList(0, limit) : result;
    }


    @Override
    public List<LatestReading> latest() {
        Map<SeriesKey, LatestReading> newest = new HashMap<>();
        read("reading the latest values", connection -> {
            for (String sql : latestQueries()) {
                try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
                    while (rs.next()) {
                        LatestReading latest = latestRow(rs);
                        newest.merge(new SeriesKey(latest.sensor(), latest.metric()), latest,
                                (a, b) -> b.timestamp() > a.timestamp() ? b : a);
                    }
                }
            }
            try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(LATEST_STATES)) {
                while (rs.next()) {
                    LatestReading latest = LatestReading.ofState(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getLong(4), Json.readTags(rs.getString(5)));
                    newest.merge(new SeriesKey(latest.sensor(), latest.metric()), latest,
                            (a, b) -> b.timestamp() > a.timestamp() ? b : a);
                }
            }
            return null;
        });
        List<LatestReading> result = new ArrayList<>(newest.values());
        result.sort(java.util.Comparator.comparing(LatestReading::sensor).thenComparing(LatestReading::metric));
        return result;
    }

    /** The newest state of every series of state readings; the primary key (series, ts) answers each max(). */
    private static final String LATEST_STATES = "SELECT s.sensor, s.metric, st.state, st.ts, s.tags FROM series s "
            + "CROSS JOIN states st WHERE st.series = s.id AND st.ts = (SELECT max(ts) FROM states m WHERE m.series = s.id)";

    /** A row of the latest-reading queries: sensor, metric, value, ts, tags. */
    private static LatestReading latestRow(ResultSet rs) throws SQLException {
        return new LatestReading(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getLong(4),
                Json.readTags(rs.getString(5)), null, rs.getString(6));
    }

    @Override
    public long countReadings() {
        return read("counting readings", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT count(*) FROM readings_all")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<RuleState> ruleStates() {
        return read("reading rule states", connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT state FROM rule_states")) {
                List<RuleState> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(Json.read(rs.getString(1), RuleState.class));
                }
                return result;
            }
        });
    }

    @Override
    public List<Silence> silences(long since) {
        return read("reading silences", connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT silence FROM silences WHERE ends_at >= ? ORDER BY created_at, id")) {
                query.setLong(1, since);
                List<Silence> result = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        result.add(Json.read(rs.getString(1), Silence.class));
                    }
                }
                return result;
            }
        });
    }

    @Override
    public List<Acknowledgement> acknowledgements(long since) {
        return read("reading acknowledgements", connection -> {
            try (PreparedStatement query = connection.prepareStatement(
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
            }
        });
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

    @Override
    public List<io.sensorflow.store.StoredDeadLetter> deadLetters(long from, long to, String origin, String reason,
                                                                  long before, int limit) {
        String sql = "SELECT id, origin, topic, reason, detail, payload, received_at FROM dead_letters "
                + "WHERE received_at >= ? AND received_at < ? AND id < ?" + (origin == null ? "" : " AND origin = ?")
                + (reason == null ? "" : " AND reason = ?") + " ORDER BY id DESC LIMIT ?";
        return read("reading dead letters", connection -> {
            try (PreparedStatement query = connection.prepareStatement(sql)) {
                int i = 1;
                query.setLong(i++, from);
                query.setLong(i++, to);
                query.setLong(i++, before);
                if (origin != null) {
                    query.setString(i++, origin);
                }
                if (reason != null) {
                    query.setString(i++, reason);
                }
                query.setInt(i, limit);
                List<io.sensorflow.store.StoredDeadLetter> result = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        result.add(new io.sensorflow.store.StoredDeadLetter(rs.getLong(1), new DeadLetter(
                                rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getBytes(6),
                                rs.getLong(7))));
                    }
                }
                return result;
            }
        });
    }

    private List<AlertEvent> alertEvents(String sql, Binder binder) {
        return read("reading alert history", connection -> {
            try (PreparedStatement query = connection.prepareStatement(sql)) {
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
            }
        });
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    /** Marks the store unhealthy or healthy from outside a write, e.g. a failed connection check. */
    protected final void healthy(boolean value) {
        healthy = value;
    }

    /** Stops maintenance and writes the waiting rollup deltas; subclasses then close their connections. */
    protected final synchronized void closeStore() {
        if (closed) {
            return;
        }
        maintenance.shutdownNow();
        try {
            if (!readOnly && !rollups.isEmpty()) {
                flushRollups(true);
            }
        } catch (StoreException e) {
            LOG.warn("could not write the last rollups ({}); they are recomputed at the next start", e.getMessage());
        }
        closed = true;
    }

    @Override
    public String toString() {
        return describe();
    }
}
