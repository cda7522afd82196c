package io.sensorflow.telemetry;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Logs a warning at most once per interval per key, then says how many were suppressed. Bad input can arrive
 * thousands of times a second; the log must stay readable and cheap while the metrics carry the counts.
 */
public final class RateLimitedLog {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger logger) {
        this(logger, DEFAULT_INTERVAL);
    }

    public RateLimitedLog(Logger logger, Duration interval) {
        this(logger, interval, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock that intervals are measured on ({@link System#nanoTime()} but in tests) */
    public RateLimitedLog(Logger logger, Duration interval, LongSupplier nanoTime) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    public void warn(String key, String format, Object... args) {
        if (!logger.isWarnEnabled()) {
            return;
        }
        Window window = windows.computeIfAbsent(key, k -> new Window());
        long now = nanoTime.getAsLong();
        long last = window.lastLogged.get();
        if (last != Long.MIN_VALUE && now - last < intervalNanos) {
            window.suppressed.incrementAndGet();
            return;
        }
        if (!window.lastLogged.compareAndSet(last, now)) {
            window.suppressed.incrementAndGet();
            return;
        }
        long suppressed = window.suppressed.getAndSet(0);
        if (suppressed > 0) {
            logger.warn(format + " ({} similar messages suppressed)", append(args, suppressed));
        } else {
            logger.warn(format, args);
        }
    }

    private static Object[] append(Object[] args, Object extra) {
        Object[] result = java.util.Arrays.copyOf(args, args.length + 1);
        result[args.length] = extra;
        return result;
    }

    private static final class Window {
        final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }
}
