package io.sensorflow.store;

import java.util.Optional;

/** The rollup resolutions kept next to the raw readings. */
public enum Resolution {
    MINUTE("1m", 60_000L),
    HOUR("1h", 3_600_000L);

    private final String label;
    private final long millis;

    Resolution(String label, long millis) {
        this.label = label;
        this.millis = millis;
    }

    public String label() {
        return label;
    }

    public long millis() {
        return millis;
    }

    /** The start of the bucket holding {@code timestamp}. */
    public long bucketOf(long timestamp) {
        return Math.floorDiv(timestamp, millis) * millis;
    }

    /** The coarsest resolution whose buckets tile a step exactly, if any: 1h for a 1d step, 1m for a 5m step. */
    public static Optional<Resolution> forStep(long stepMillis) {
        if (stepMillis % HOUR.millis == 0) {
            return Optional.of(HOUR);
        }
        if (stepMillis % MINUTE.millis == 0) {
            return Optional.of(MINUTE);
        }
        return Optional.empty();
    }
}
