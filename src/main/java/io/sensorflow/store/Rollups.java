package io.sensorflow.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-minute aggregates of newly stored readings that have not reached the rollup tables yet.
 *
 * <p>Writing a rollup row for every reading would cost two more random B-tree updates per reading; instead each
 * (series, minute) gathers here and is written once it is {@code delay} old, a bounded number per commit, in the same
 * transaction as a batch of readings. Hour rollups are the merge of the minute deltas written with them, so a
 * reading counts in both or in neither.
 *
 * <p>Crash safety comes from markers: every minute that has deltas here has a row in {@code rollup_dirty}, written in
 * the transaction of the readings that opened it and deleted in the one that writes its last delta. After a crash
 * the store recomputes the marked minutes (and their hours) from the raw readings.
 *
 * <p>Changes are planned, executed in a transaction, and only then {@link #commit committed} here, so a rolled-back
 * transaction leaves this untouched. Not thread-safe: the store's single writer owns it.
 */
public final class Rollups {

    /** One minute of one series. */
    public record Key(int series, long minute) {
    }

    /** A delta of one (series, bucket) row, to be merged into what the table holds. */
    public record Delta(int series, Bucket bucket) {
    }

    /**
     * What one transaction does to the rollups.
     *
     * @param minutes        deltas to merge into the 1 m table
     * @param hours          the same readings' deltas for the 1 h table
     * @param markDirty      minutes to add to {@code rollup_dirty}
     * @param clearDirty     minutes to remove from it: nothing of theirs is left here
     */
    public record Plan(List<Delta> minutes, List<Delta> hours, List<Long> markDirty, List<Long> clearDirty,
                       Map<Key, Bucket> added, List<Key> flushed) {

        public boolean writesRollups() {
            return !minutes.isEmpty();
        }
    }

    private final long delayNanos;
    private final int flushPerCommit;
    private final int maxPending;
    private final LinkedHashMap<Key, Pending> pending = new LinkedHashMap<>();
    private final Map<Long, Integer> pendingPerMinute = new HashMap<>();
    private final Set<Long> marked = new HashSet<>();

    private static final class Pending {
        Bucket bucket;
        final long firstAdded;

        Pending(Bucket bucket, long firstAdded) {
            this.bucket = bucket;
            this.firstAdded = firstAdded;
        }
    }

    /**
     * @param delayNanos     how long a minute's delta gathers before it is written
     * @param flushPerCommit at most this many deltas per commit, so that no commit stalls on rollups
     * @param maxPending     beyond this many, deltas are written regardless of age, bounding memory
     */
    public Rollups(long delayNanos, int flushPerCommit, int maxPending) {
        this.delayNanos = delayNanos;
        this.flushPerCommit = flushPerCommit;
        this.maxPending = maxPending;
    }

    /** Gathers the newly stored readings of a batch, per minute. */
    public static Map<Key, Bucket> deltas(int[] series, long[] timestamps, double[] values, int count) {
        Map<Key, Bucket> deltas = new HashMap<>();
        for (int i = 0; i < count; i++) {
            long minute = Resolution.MINUTE.bucketOf(timestamps[i]);
            Bucket one = Bucket.of(minute, timestamps[i], values[i]);
            deltas.merge(new Key(series[i], minute), one, (a, b) -> a.merge(minute, b));
        }
        return deltas;
    }

    /**
     * Plans a commit that adds {@code added} (this batch's new readings) and writes the deltas that are due at
     * {@code nowNanos}; {@code all} writes every pending delta (at close).
     */
    public Plan plan(Map<Key, Bucket> added, long nowNanos, boolean all) {
        int overflow = Math.max(0, pending.size() - maxPending);
        int limit = all ? Integer.MAX_VALUE : flushPerCommit + overflow;
        List<Key> flushed = new ArrayList<>();
        List<Delta> minutes = new ArrayList<>();
        Map<Key, Bucket> hours = new LinkedHashMap<>();
        Map<Long, Integer> left = new HashMap<>();
        Iterator<Map.Entry<Key, Pending>> entries = pending.entrySet().iterator();
        while (entries.hasNext() && flushed.size() < limit) {
            Map.Entry<Key, Pending> entry = entries.next();
            boolean due = all || flushed.size() < overflow || nowNanos - entry.getValue().firstAdded >= delayNanos;
            if (!due) {
                // Insertion order is age order: nothing after this one is due either.
                break;
            }
            Key key = entry.getKey();
            Bucket bucket = entry.getValue().bucket;
            flushed.add(key);
            minutes.add(new Delta(key.series(), bucket));
            long hour = Resolution.HOUR.bucketOf(key.minute());
            hours.merge(new Key(key.series(), hour), bucket, (a, b) -> a.merge(hour, b));
            left.merge(key.minute(), -1, Integer::sum);
        }
        Set<Long> addedMinutes = new HashSet<>();
        for (Key key : added.keySet()) {
            addedMinutes.add(key.minute());
        }
        List<Long> clear = new ArrayList<>();
        for (Map.Entry<Long, Integer> change : left.entrySet()) {
            long minute = change.getKey();
            if (pendingPerMinute.getOrDefault(minute, 0) + change.getValue() == 0 && !addedMinutes.contains(minute)) {
                clear.add(minute);
            }
        }
        List<Long> mark = new ArrayList<>();
        for (long minute : addedMinutes) {
            if (!marked.contains(minute)) {
                mark.add(minute);
            }
        }
        List<Delta> hourDeltas = new ArrayList<>(hours.size());
        hours.forEach((key, bucket) -> hourDeltas.add(new Delta(key.series(),
                new Bucket(key.minute(), bucket.min(), bucket.max(), bucket.sum(), bucket.count(), bucket.lastTs(),
                        bucket.last()))));
        return new Plan(minutes, hourDeltas, mark, clear, added, flushed);
    }

    /** The plan's transaction committed: forget what was written, keep what was added. */
    public void commit(Plan plan, long nowNanos) {
        for (Key key : plan.flushed()) {
            pending.remove(key);
            pendingPerMinute.merge(key.minute(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
        marked.removeAll(plan.clearDirty());
        marked.addAll(plan.markDirty());
        plan.added().forEach((key, bucket) -> {
            Pending existing = pending.get(key);
            if (existing == null) {
                pending.put(key, new Pending(bucket, nowNanos));
                pendingPerMinute.merge(key.minute(), 1, Integer::sum);
            } else {
                existing.bucket = existing.bucket.merge(key.minute(), bucket);
            }
        });
    }

    /** Every waiting delta of one series, by minute. */
    public void forEachPending(int series, java.util.function.BiConsumer<Long, Bucket> consumer) {
        for (Map.Entry<Key, Pending> entry : pending.entrySet()) {
            if (entry.getKey().series() == series) {
                consumer.accept(entry.getKey().minute(), entry.getValue().bucket);
            }
        }
    }

    /** Forgets every waiting delta and marker, after the store recomputed the marked minutes from raw readings. */
    public void clear() {
        pending.clear();
        pendingPerMinute.clear();
        marked.clear();
    }

    /** Whether any delta is waiting. */
    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Whether the oldest waiting delta is due at {@code nowNanos}. */
    public boolean hasDue(long nowNanos) {
        return !pending.isEmpty() && nowNanos - pending.values().iterator().next().firstAdded >= delayNanos;
    }

    public int size() {
        return pending.size();
    }
}
