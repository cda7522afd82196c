package io.sensorflow.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.time.Duration;

/**
 * Durations as operators write them in the config ({@code 30s}, {@code 500ms}, {@code 1d}), not ISO-8601: read by
 * Typesafe Config's own parser, written back in the same form.
 */
public final class Durations {

    private Durations() {
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A duration as its components, largest first, e.g. {@code 1h2m30s} or {@code 1m0s500ms}; for offsets. */
    public static String compact(long ms) {
        if (ms == 0) {
            return "0s";
        }
        StringBuilder s = new StringBuilder(ms < 0 ? "-" : "");
        long rest = Math.abs(ms);
        long[] units = {86_400_000, 3_600_000, 60_000, 1000, 1};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (rest >= units[i]) {
                s.append(rest / units[i]).append(names[i]);
                rest %= units[i];
            }
        }
        return s.toString();
    }

    /**
     * Parses a duration as the config writes it ({@code 30s}, {@code 2h}), for durations that come from elsewhere
     * (API bodies, lists in test files).
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static Duration parse(String text) {
        try {
            return ConfigFactory.empty().withValue("d", ConfigValueFactory.fromAnyRef(text)).getDuration("d");
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "'", e);
        }
    }
}
