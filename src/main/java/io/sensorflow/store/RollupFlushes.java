package io.sensorflow.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which series and minutes the last commits moved from the waiting deltas into the rollup tables, so that a query can
 * read the tables without the writer's lock and still add the waiting deltas exactly once. The query notes
 * {@link #version()}, reads the tables, and then, under the lock of the waiting deltas, asks {@link #touched} whether
 * a flush of its series and range was in flight or committed since; only then does it read again. A chart of the past
 * never races the commits of live readings, so it never holds up a commit and no commit holds it up.
 *
 * <p>Why both: a flush is {@link #begin begun} before its transaction commits and {@link #committed} after, when its
 * deltas leave the waiting ones. A read whose snapshot has the flush's rows while the deltas still wait finds it in
 * flight; a read whose snapshot lacks them while the deltas have left finds it committed after its version.
 *
 * <p>Changed and asked only under the lock of the waiting deltas; {@link #version()} may be read without it.
 */
public final class RollupFlushes {

    /** One commit's flushed minutes: per series, the first and last. */
    private static final class Flush {
        final long version;
        final Map<Integer, long[]> minutes;

        Flush(long version, Map<Integer, long[]> minutes) {
            this.version = version;
            this.minutes = minutes;
        }
    }

    private final Flush[] recent;
    private volatile long version;
    /** Commits up to this version count as having touched everything (the waiting deltas were dropped). */
    private long everything;
    /** The flush whose transaction is running, if any: the store has one writer. */
    private Map<Integer, long[]> inFlight;

    /** @param kept how many commits back a query may have started; one that started earlier reads again */
    public RollupFlushes(int kept) {
        this.recent = new Flush[kept];
    }

    public long version() {
        return version;
    }

    /** A transaction is about to move these waiting deltas into the tables. */
    public void begin(List<Rollups.Key> keys) {
        inFlight = keys.isEmpty() ? null : ranges(keys);
    }

    /** The transaction of {@link #begin} committed and its deltas left the waiting ones. */
    public void committed() {
        if (inFlight == null) {
            return;
        }
        long next = version + 1;
        recent[(int) (next % recent.length)] = new Flush(next, inFlight);
        inFlight = null;
        version = next;
    }

    private static Map<Integer, long[]> ranges(List<Rollups.Key> keys) {
        Map<Integer, long[]> minutes = new HashMap<>();
        for (Rollups.Key key : keys) {
            long[] range = minutes.get(key.series());
            if (range == null) {
                minutes.put(key.series(), new long[] {key.minute(), key.minute()});
            } else {
                range[0] = Math.min(range[0], key.minute());
                range[1] = Math.max(range[1], key.minute());
            }
        }
        return minutes;
    }

    /**
     * The waiting deltas were dropped or the tables recomputed (a failed transaction's flush, if any, with them):
     * every query in flight reads again.
     */
    public void changedEverything() {
        inFlight = null;
        long next = version + 1;
        everything = next;
        recent[(int) (next % recent.length)] = null;
        version = next;
    }

    /**
     * Whether a flush in flight, or committed after {@code since}, moves deltas of {@code series} into buckets in
     * {@code [from, to)} of {@code resolution}.
     */
    public boolean touched(long since, int series, Resolution resolution, long from, long to) {
        if (inFlight != null && overlaps(inFlight.get(series), resolution, from, to)) {
            return true;
        }
        long now = version;
        if (now == since) {
            return false;
        }
        if (everything > since || now - since > recent.length) {
            return true;
        }
        for (long v = since + 1; v <= now; v++) {
            Flush flush = recent[(int) (v % recent.length)];
            if (flush == null || flush.version != v) {
                return true;
            }
            if (overlaps(flush.minutes.get(series), resolution, from, to)) {
                return true;
            }
        }
        return false;
    }

    private static boolean overlaps(long[] range, Resolution resolution, long from, long to) {
        return range != null && resolution.bucketOf(range[1]) >= from && resolution.bucketOf(range[0]) < to;
    }
}
