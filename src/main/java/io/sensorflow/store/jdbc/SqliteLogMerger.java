package io.sensorflow.store.jdbc;

import io.sensorflow.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Moves logged readings from {@code readings_log} into {@code readings} in sorted chunks (see the schema's V4
 * migration and docs/storage.md). With many series this writes each B-tree leaf once per merge instead of once per
 * reading, which is what makes SQLite fast here.
 */
final class SqliteLogMerger {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteLogMerger.class);

    private static final String MERGE = "INSERT INTO readings (series, ts, value) "
            + "SELECT series, ts, value FROM readings_log WHERE rowid <= ? ORDER BY series, ts "
            + "ON CONFLICT DO NOTHING";

    /**
     * Logged readings are merged once this many wait, or once the oldest has waited MERGE_AFTER, at most this many
     * per transaction. The more readings of each series one merge holds, the fewer leaf writes per reading: with
     * 10,000 series StoreBench measured 188,000/s at 50,000 rows, 253,000/s at 100,000 and 302,000/s at 250,000.
     */
    private static final int MERGE_ROWS = 250_000;
    private static final long MERGE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Beyond this many logged readings a commit merges before it returns: the log stays bounded. */
    private static final int MERGE_BOUND = 500_000;

    private final Transactor transactor;
    private final SqliteReadingsLog log;

    SqliteLogMerger(Transactor transactor, SqliteReadingsLog log) {
        this.transactor = transactor;
        this.log = log;
    }

    /** Loads the log a stop or crash left behind; it is due for merging at once. */
    void load(Dialect dialect) {
        synchronized (transactor) {
            log.load(dialect, System.nanoTime() - MERGE_AFTER_NANOS);
        }
    }

    /**
     * Merges the log once it is due, all of it in one transaction up to MERGE_ROWS: many readings of each series then
     * share a chunk and so a B-tree leaf write. Only big commits are logged (a busy daemon's; see
     * {@link SqliteStore#DIRECT_ROWS}), so a daemon that is not saturated never waits for a merge at all; splitting a
     * merge into small chunks to spare a busy one's latency cost more leaf writes than the wait it saved
     * (docs/benchmarks.md). A failure is the caller's to report; the next round tries again, the log only grows
     * meanwhile, and {@link #boundAfterWrite} bounds it.
     */
    void mergeWhenDue() {
        long backlog;
        synchronized (transactor) {
            boolean due = log.size() >= MERGE_ROWS
                    || (log.size() > 0 && System.nanoTime() - log.oldestLogged() >= MERGE_AFTER_NANOS);
            if (!due) {
                return;
            }
            backlog = log.size();
        }
        int chunk = (int) Math.min(backlog, MERGE_ROWS);
        long merged = 0;
        while (merged < backlog) {
            // Between chunks the lock is free for the pipeline's commits.
            int moved = merge(chunk);
            if (moved == 0) {
                return;
            }
            merged += moved;
        }
    }

    /** After a commit, holding the lock: merges here if the merge thread fell behind, slowing the pipeline down. */
    void boundAfterWrite() {
        try {
            while (log.size() >= MERGE_BOUND) {
                // The merge thread fell behind (or retention holds the lock).
                if (merge(MERGE_ROWS) == 0) {
                    break;
                }
            }
        } catch (StoreException e) {
            // The batch is committed; the merge is tried again by the next write and by the merge thread.
            LOG.warn("merging logged readings failed: {}", e.getMessage());
        }
    }

    /** Merges everything before the store closes; what is still logged after a failure is merged at the next start. */
    void drain() {
        synchronized (transactor) {
            try {
                while (merge(MERGE_ROWS) > 0) {
                    // until the log is empty
                }
            } catch (StoreException e) {
                // merged at the next start
            }
        }
    }

    /**
     * Moves up to {@code rows} of the oldest logged readings into {@code readings}, sorted by series and time, in one
     * transaction. Their rollups were counted when they were logged; the log is part of what a rollup repair reads.
     *
     * @return how many rows left the log
     */
    private int merge(int rows) {
        synchronized (transactor) {
            if (log.size() == 0) {
                return 0;
            }
            long now = System.nanoTime();
            return transactor.transaction("merging logged readings", connection -> {
                long last = Jdbc.list(connection,
                        "SELECT max(rowid) FROM (SELECT rowid FROM readings_log ORDER BY rowid LIMIT ?)",
                        Jdbc.values(rows), rs -> rs.getLong(1)).get(0);
                Jdbc.update(connection, MERGE, Jdbc.values(last));
                int deleted = Jdbc.update(connection, "DELETE FROM readings_log WHERE rowid <= ?", Jdbc.values(last));
                return new Transactor.Commit<>(deleted, () -> log.merged(deleted, now));
            });
        }
    }
}
