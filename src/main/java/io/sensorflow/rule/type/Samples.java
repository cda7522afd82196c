package io.sensorflow.rule.type;

import java.util.Arrays;

/**
 * Timestamped values kept in event-time order in two primitive arrays: no boxing and no per-sample object, because
 * windows over thousands of sensors hold millions of samples. Readings almost always arrive in order, so inserting
 * is an append; an out-of-order one is placed by binary search.
 */
final class Samples {

    private long[] times = new long[8];
    private double[] values = new double[8];
    private int start;
    private int end;

    int size() {
        return end - start;
    }

    boolean isEmpty() {
        return end == start;
    }

    long time(int i) {
        return times[start + i];
    }

    double value(int i) {
        return values[start + i];
    }

    long firstTime() {
        return times[start];
    }

    long lastTime() {
        return times[end - 1];
    }

    /** Inserts in time order; a sample with the time of an existing one goes after it. */
    void add(long time, double value) {
        if (end == times.length) {
            makeRoom();
        }
        int at = end;
        if (end > start && times[end - 1] > time) {
            at = upperBound(time) + start;
            System.arraycopy(times, at, times, at + 1, end - at);
            System.arraycopy(values, at, values, at + 1, end - at);
        }
        times[at] = time;
        values[at] = value;
        end++;
    }

    /** Whether a sample with exactly this time is held. */
    boolean contains(long time) {
        int at = lowerBound(time);
        return at < size() && time(at) == time;
    }

    /** Drops every sample older than {@code time}. */
    void removeBefore(long time) {
        start += lowerBound(time);
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    /** Drops the oldest sample. */
    void removeFirst() {
        start++;
    }

    /** Index of the first sample at or after {@code time}. */
    int lowerBound(long time) {
        int lo = start;
        int hi = end;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - start;
    }

    /** Index of the first sample after {@code time}. */
    private int upperBound(long time) {
        int lo = start;
        int hi = end;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - start;
    }

    private void makeRoom() {
        int size = size();
        if (start > 0 && size <= times.length / 2) {
            // Plenty of room at the front: compact instead of growing.
            System.arraycopy(times, start, times, 0, size);
            System.arraycopy(values, start, values, 0, size);
        } else {
            times = Arrays.copyOfRange(times, start, start + Math.max(8, times.length * 2));
            values = Arrays.copyOfRange(values, start, start + Math.max(8, values.length * 2));
        }
        start = 0;
        end = size;
    }
}
