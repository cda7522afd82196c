package io.sensorflow.store.jdbc;

import io.sensorflow.store.Bucket;
import io.sensorflow.store.Resolution;
import io.sensorflow.store.RollupFlushes;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The minute and hour rollups: the deltas of newly stored readings waiting in memory ({@link Rollups}), written with
 * the commits or by the idle flush, recomputed from raw readings where a crash or a failed write left them
 * uncertain, and read together with the waiting deltas so that a query sees every committed reading.
 *
 * <p>The waiting deltas belong to the writer: everything here that changes them holds the transactor's lock, and
 * also their own monitor, which is all a query takes to read them.
 */
final class RollupRepository {

    private static final Logger LOG = LoggerFactory.getLogger(RollupRepository.class);

    /** The columns of both rollup tables. */
    static final String COLUMNS = "series, bucket, vmin, vmax, vsum, vcount, last_ts, last_value";

    /** A minute's rollup delta is written this long after its first reading, gathering the rest meanwhile. */
    private static final long DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** At most this many rollup deltas per commit, so that rollups never make one commit slow. */
    private static final int FLUSH_PER_COMMIT = 2000;
    /** Beyond this many waiting deltas they are written regardless of age: memory stays bounded. */
    private static final int MAX_PENDING = 200_000;

    private final Dialect dialect;
    private final Transactor transactor;
    private final SeriesRepository series;
    /** How many commits a query may race and still use what it read without the writer's lock. */
    private static final int RACED_COMMITS_KEPT = 64;
    /** Lock-free reads that raced a flush of their own range before one reads under the lock. */
    private static final int OPTIMISTIC_ATTEMPTS = 3;

    private final Rollups pending = new Rollups(DELAY_NANOS, FLUSH_PER_COMMIT, MAX_PENDING);
    private final RollupFlushes flushes = new RollupFlushes(RACED_COMMITS_KEPT);
    private volatile long lastWriteNanos = System.nanoTime();

    RollupRepository(Dialect dialect, Transactor transactor, SeriesRepository series) {
        this.dialect = dialect;
        this.transactor = transactor;
        this.series = series;
    }

    /**
     * Adds readings that entered {@code readings} in this transaction to the rollups, and writes the deltas that are
     * due; the returned action, run after the commit, makes it so in memory.
     */
    Runnable add(Connection connection, Fresh fresh, long nowNanos) throws SQLException {
        Rollups.Plan plan = pending.plan(
                Rollups.deltas(fresh.series(), fresh.timestamps(), fresh.values(), fresh.count()), nowNanos, false);
        synchronized (pending) {
            flushes.begin(plan.flushed());
        }
        write(connection, plan);
        return () -> {
            synchronized (pending) {
                pending.commit(plan, nowNanos);
                flushes.committed();
            }
            lastWriteNanos = nowNanos;
        };
    }

    private void write(Connection connection, Rollups.Plan plan) throws SQLException {
        Jdbc.batch(connection, "INSERT INTO rollup_dirty (bucket) VALUES (?) ON CONFLICT DO NOTHING",
                plan.markDirty(), minute -> new Object[] {minute});
        if (plan.writesRollups()) {
            dialect.mergeRollups(connection, "rollup_1m", plan.minutes());
            dialect.mergeRollups(connection, "rollup_1h", plan.hours());
        }
        Jdbc.batch(connection, "DELETE FROM rollup_dirty WHERE bucket = ?", plan.clearDirty(),
                minute -> new Object[] {minute});
    }

    /**
     * Writes rollup deltas that are due when no commit has come along to carry them (a quiet daemon). A failure is
     * the caller's to report; the deltas wait for the next commit or round, and their minutes stay marked.
     */
    void flushIdle() {
        long now = System.nanoTime();
        if (now - lastWriteNanos < DELAY_NANOS) {
            return;
        }
        synchronized (transactor) {
            if (transactor.isClosed() || !pending.hasDue(now)) {
                return;
            }
            flush(false);
        }
    }

    /** Writes every waiting delta before the store closes; what fails is recomputed at the next start. */
    void flushAtClose() {
        synchronized (transactor) {
            try {
                if (!transactor.isReadOnly() && !pending.isEmpty()) {
                    flush(true);
                }
            } catch (StoreException e) {
                LOG.warn("could not write the last rollups ({}); they are recomputed at the next start",
                        e.getMessage());
            }
        }
    }

    private void flush(boolean all) {
        long now = System.nanoTime();
        transactor.transaction("rollup flush", connection -> {
            Rollups.Plan plan = pending.plan(Map.of(), now, all);
            synchronized (pending) {
                flushes.begin(plan.flushed());
            }
            write(connection, plan);
            return new Transactor.Commit<>(null, () -> {
                synchronized (pending) {
                    pending.commit(plan, now);
                    flushes.committed();
                }
            });
        });
    }

    /**
     * After a failed write: recomputes the marked minutes and forgets the waiting deltas, which the recomputation
     * counted from raw readings.
     */
    void repairAfterFailure() {
        int minutes = repair();
        synchronized (pending) {
            pending.clear();
            flushes.changedEverything();
        }
        LOG.info("recomputed the rollups of {} minutes after a failed write", minutes);
    }

    /**
     * Recomputes the rollups of every minute still marked dirty (a crash came before its deltas were written), from
     * every stored reading: SQLite's log too, whose readings were counted when they were logged. The CROSS JOINs keep
     * series the outer loop, so each series' range is a seek (SQLite has no index on time alone).
     *
     * @return how many minutes were recomputed
     */
    int repair() {
        return transactor.transaction("rollup repair", connection -> {
            List<Long> minutes = Jdbc.list(connection, "SELECT bucket FROM rollup_dirty ORDER BY bucket",
                    Jdbc.NO_PARAMETERS, rs -> rs.getLong(1));
            Set<Long> hours = new TreeSet<>();
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
            Jdbc.update(connection, "DELETE FROM rollup_dirty", Jdbc.NO_PARAMETERS);
            return new Transactor.Commit<>(minutes.size(), () -> {
                synchronized (pending) {
                    flushes.changedEverything();
                }
            });
        });
    }

    /** Replaces one bucket of a rollup table, for every series, with what {@code groupSql} computes. */
    private static void recompute(Connection connection, String table, long bucket, long width, String groupSql,
                                  String lastJoin, String lastColumn) throws SQLException {
        String sql = "INSERT INTO " + table + " (" + COLUMNS + ") "
                + "SELECT g.series, g.bucket, g.vmin, g.vmax, g.vsum, g.vcount, g.last_ts, " + lastColumn
                + " FROM (" + groupSql + ") g " + lastJoin
                + " ON CONFLICT (series, bucket) DO UPDATE SET vmin = excluded.vmin, vmax = excluded.vmax, "
                + "vsum = excluded.vsum, vcount = excluded.vcount, last_ts = excluded.last_ts, "
                + "last_value = excluded.last_value";
        Jdbc.update(connection, sql, Jdbc.values(bucket, bucket + width));
    }

    /** Rollup buckets of one series, the table's rows merged with the deltas still waiting. */
    List<Bucket> query(String sensor, String metric, Resolution resolution, long from, long to, int limit) {
        // The table is read on a reader, without the writer's lock: a chart must neither hold up the commits nor
        // wait for one (or for SQLite's log merge). Only the waiting deltas are taken, under their own short lock,
        // and if a flush of this range's deltas raced the read (which may or may not have seen it), it reads again.
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            long version = flushes.version();
            List<Bucket> table = table(sensor, metric, resolution, from, to, limit);
            synchronized (pending) {
                OptionalInt id = series.idOf(sensor, metric);
                if (id.isEmpty() || !flushes.touched(version, id.getAsInt(), resolution, from, to)) {
                    return withPending(table, id, resolution, from, to, limit);
                }
            }
        }
        // Raced every time (a busy series' latest minutes): under the writer's lock no flush can be in flight.
        synchronized (transactor) {
            List<Bucket> table = table(sensor, metric, resolution, from, to, limit);
            synchronized (pending) {
                return withPending(table, series.idOf(sensor, metric), resolution, from, to, limit);
            }
        }
    }

    private List<Bucket> table(String sensor, String metric, Resolution resolution, long from, long to, int limit) {
        String table = resolution == Resolution.MINUTE ? "rollup_1m" : "rollup_1h";
        return dialect.query("reading " + resolution.label() + " rollups of " + sensor + "/" + metric,
                "SELECT m.bucket, m.vmin, m.vmax, m.vsum, m.vcount, m.last_ts, m.last_value FROM series s "
                        + "JOIN " + table + " m ON m.series = s.id WHERE s.sensor = ? AND s.metric = ? "
                        + "AND m.bucket >= ? AND m.bucket < ? ORDER BY m.bucket LIMIT ?",
                Jdbc.values(sensor, metric, from, to, limit),
                rs -> new Bucket(rs.getLong(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getLong(5),
                        rs.getLong(6), rs.getDouble(7)));
    }

    /** The table's rows with the deltas still waiting added: a query sees every committed reading. */
    private List<Bucket> withPending(List<Bucket> table, OptionalInt id, Resolution resolution, long from, long to,
                                     int limit) {
        if (id.isEmpty()) {
            return table;
        }
        List<Bucket> waiting = new ArrayList<>();
        pending.forEachPending(id.getAsInt(), (minute, delta) -> {
            long start = resolution.bucketOf(minute);
            if (start >= from && start < to) {
                waiting.add(new Bucket(start, delta.min(), delta.max(), delta.sum(), delta.count(), delta.lastTs(),
                        delta.last()));
            }
        });
        if (waiting.isEmpty()) {
            return table;
        }
        TreeMap<Long, Bucket> buckets = new TreeMap<>();
        for (Bucket bucket : table) {
            buckets.put(bucket.start(), bucket);
        }
        for (Bucket delta : waiting) {
            buckets.merge(delta.start(), delta, (a, b) -> a.merge(delta.start(), b));
        }
        List<Bucket> result = new ArrayList<>(buckets.values());
        return result.size() > limit ? result.subList(0, limit) : result;
    }
}
