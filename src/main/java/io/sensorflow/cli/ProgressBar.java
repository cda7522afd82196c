package io.sensorflow.cli;

import java.io.PrintStream;

/** A one-line progress bar on stderr, drawn at most five times a second, only on a terminal. */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream err;
    private final boolean enabled;
    private final String unit;
    private final long started = System.nanoTime();
    private long lastDrawn;

    ProgressBar(PrintStream err, boolean wanted, String unit) {
        this.err = err;
        this.enabled = wanted && System.console() != null;
        this.unit = unit;
    }

    /** Redraws if due; {@code fraction} of the work is done after {@code count} items. */
    void update(double fraction, long count) {
        if (enabled && System.nanoTime() - lastDrawn > 200_000_000L) {
            lastDrawn = System.nanoTime();
            draw(fraction, count);
        }
    }

    void finish(long count) {
        if (enabled) {
            draw(1, count);
            err.println();
        }
    }

    private void draw(double fraction, long count) {
        double clamped = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(clamped * WIDTH);
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-9);
        err.printf("\r[%s%s] %3.0f%% %,d %s %,.0f/s ", "=".repeat(filled), " ".repeat(WIDTH - filled),
                clamped * 100, count, unit, count / seconds);
    }
}
