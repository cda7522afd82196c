package io.sensorflow.codec;

/** The unit of a numeric timestamp in a payload: InfluxDB's precisions, which cover what devices send. */
public enum TimePrecision {
    NS(1_000_000),
    US(1_000),
    MS(1),
    S(-1000);

    /** Positive: that many units per millisecond; negative: milliseconds per unit. */
    private final long factor;

    TimePrecision(long factor) {
        this.factor = factor;
    }

    /** Epoch milliseconds of a timestamp in this unit; out of range is a bad timestamp, not an overflow. */
    long toMillis(long timestamp) throws DecodeException {
        if (factor > 0) {
            return Math.floorDiv(timestamp, factor);
        }
        try {
            return Math.multiplyExact(timestamp, -factor);
        } catch (ArithmeticException e) {
            throw new DecodeException("bad-timestamp", "timestamp " + timestamp + " s is out of range");
        }
    }

    /** Epoch milliseconds of a fractional timestamp in this unit. */
    long toMillis(double timestamp) throws DecodeException {
        double millis = factor > 0 ? timestamp / factor : timestamp * -factor;
        if (!Double.isFinite(millis) || Math.abs(millis) > 9.0e15) {
            throw new DecodeException("bad-timestamp", "timestamp " + timestamp + " is out of range");
        }
        return Math.round(millis);
    }
}
