package io.sensorflow.store;

/**
 * The aggregate of one series over one time bucket: what a rollup row holds, and what a query answers per step.
 *
 * @param start     the bucket's start, epoch milliseconds
 * @param lastTs    event time of the newest reading in the bucket; {@code last} is its value
 */
public record Bucket(long start, double min, double max, double sum, long count, long lastTs, double last) {

    public static Bucket of(long start, long timestamp, double value) {
        return new Bucket(start, value, value, value, 1, timestamp, value);
    }

    public double avg() {
        return sum / count;
    }

    /** Both buckets' readings together, under {@code start}. */
    public Bucket merge(long start, Bucket other) {
        boolean otherIsNewer = other.lastTs >= lastTs;
        return new Bucket(start, Math.min(min, other.min), Math.max(max, other.max), sum + other.sum,
                count + other.count, otherIsNewer ? other.lastTs : lastTs, otherIsNewer ? other.last : last);
    }

    /** One of the aggregates a query can ask for. */
    public double get(Aggregate aggregate) {
        return switch (aggregate) {
            case MIN -> min;
            case MAX -> max;
            case AVG -> avg();
            case SUM -> sum;
            case COUNT -> count;
            case LAST -> last;
        };
    }

    /** The aggregates a rollup can answer exactly. */
    public enum Aggregate { MIN, MAX, AVG, SUM, COUNT, LAST }
}
