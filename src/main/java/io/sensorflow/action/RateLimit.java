package io.sensorflow.action;

import io.sensorflow.config.Durations;
import io.sensorflow.config.Section;

import java.time.Duration;
import java.util.Optional;

/**
 * At most {@code count} executions of one action per {@code per}, whatever the rules ask: the last line of defence
 * of an actuator against a flapping sensor or a rule written too eagerly. Executions past the limit are skipped,
 * counted and kept as dead letters.
 */
public record RateLimit(int count, Duration per) {

    /** Reads an optional {@code <key> { count, per }}. */
    public static Optional<RateLimit> parse(Section s, String key) {
        if (!s.has(key)) {
            return Optional.empty();
        }
        Section r = s.section(key);
        RateLimit limit = new RateLimit(r.integer("count", 1, 1_000_000), r.positiveDuration("per"));
        return Optional.of(limit);
    }

    public Bucket bucket() {
        return new Bucket(count, per.toMillis());
    }

    @Override
    public String toString() {
        return count + " per " + Durations.format(per);
    }

    /**
     * A token bucket that refills continuously: {@code count} tokens per {@code per}, never more than {@code count}
     * at once. Pure: time comes from the caller. Not thread-safe; one stream stage owns it.
     */
    public static final class Bucket {
        private final int capacity;
        private final double perMillis;
        private double tokens;
        private long last = Long.MIN_VALUE;

        Bucket(int capacity, long periodMillis) {
            this.capacity = capacity;
            this.perMillis = (double) capacity / periodMillis;
            this.tokens = capacity;
        }

        public boolean tryAcquire(long now) {
            if (last != Long.MIN_VALUE && now > last) {
                tokens = Math.min(capacity, tokens + (now - last) * perMillis);
            }
            last = Math.max(last, now);
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        /** How long from {@code now} until a token is there: 0 when one is. Takes none. */
        public long waitMillis(long now) {
            double available = last == Long.MIN_VALUE || now <= last ? tokens
                    : Math.min(capacity, tokens + (now - last) * perMillis);
            return available >= 1 ? 0 : (long) Math.ceil((1 - available) / perMillis);
        }
    }
}
