package io.sensorflow.source;

import io.sensorflow.telemetry.Readiness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Notices a source whose messages keep being rejected: a payload mapping that no longer fits what the devices send,
 * a firmware update that renamed a field. Each message counts as taken (at least one reading) or rejected (dead
 * letters only); a source with at least {@value #MIN_MESSAGES} messages in the last five minutes of which at least
 * nine in ten were rejected is listed as degraded by {@code /health/ready}, with the commonest reason. Readiness
 * itself stays 200: the daemon works, the data does not. Thread-safe: http-push decodes on request threads.
 */
public final class RejectionWatch {

    static final int WINDOW = 100;
    static final int MIN_MESSAGES = 20;
    static final long RECENT_MILLIS = 5 * 60_000L;

    private final LongSupplier clock;
    private final Map<String, Ring> sources = new ConcurrentHashMap<>();

    public RejectionWatch(LongSupplier clock) {
        this.clock = clock;
    }

    /** The last {@value #WINDOW} messages of one source: when, and the reason if rejected (null if taken). */
    private static final class Ring {
        private final long[] at = new long[WINDOW];
        private final String[] reasons = new String[WINDOW];
        private final boolean[] rejected = new boolean[WINDOW];
        private int next;
        private int size;

        synchronized void add(long now, boolean wasRejected, String reason) {
            at[next] = now;
            rejected[next] = wasRejected;
            reasons[next] = reason;
            next = (next + 1) % WINDOW;
            size = Math.min(WINDOW, size + 1);
        }

        /** Null unless the recent messages are mostly rejected; else what to tell the operator. */
        synchronized String verdict(long now) {
            int recent = 0;
            int bad = 0;
            Map<String, Integer> byReason = new TreeMap<>();
            for (int i = 0; i < size; i++) {
                if (now - at[i] > RECENT_MILLIS) {
                    continue;
                }
                recent++;
                if (rejected[i]) {
                    bad++;
                    byReason.merge(reasons[i], 1, Integer::sum);
                }
            }
            if (recent < MIN_MESSAGES || bad * 10 < recent * 9) {
                return null;
            }
            String commonest = byReason.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                    .orElse("?");
            return bad + " of its last " + recent + " messages were rejected (mostly " + commonest + "): see its "
                    + "dead letters; does the payload mapping still fit what the devices send?";
        }
    }

    void record(String source, Envelope envelope) {
        boolean rejected = envelope.readings().isEmpty() && !envelope.deadLetters().isEmpty();
        sources.computeIfAbsent(source, s -> new Ring()).add(clock.getAsLong(), rejected,
                rejected ? envelope.deadLetters().get(0).reason() : null);
    }

    /** Each source whose recent messages are mostly rejected. */
    public List<Readiness> degraded() {
        long now = clock.getAsLong();
        List<Readiness> result = new ArrayList<>();
        new TreeMap<>(sources).forEach((source, ring) -> {
            String verdict = ring.verdict(now);
            if (verdict != null) {
                result.add(Readiness.notReady("source " + source, verdict));
            }
        });
        return result;
    }
}
