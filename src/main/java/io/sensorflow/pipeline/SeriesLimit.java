package io.sensorflow.pipeline;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Envelope;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code pipeline.limits.max-series}: sensor names come from payloads, and every series costs memory for as long as
 * the daemon runs (its id and tags in the store's cache, its rule states, its place in the live views). Past the
 * limit, a reading of a new series is dead-lettered as {@code too-many-series}, before the rules see it; series
 * already known go on as before. Used only by the stage that evaluates rules, one thread.
 */
final class SeriesLimit {

    /** Dead letters of one message at most, as for the decoder; the rest are counted. */
    private static final int MAX_LETTERS = 100;

    private record Key(String sensor, String metric) {
    }

    private final ReadingStore store;
    private final int max;
    private final Metrics metrics;
    private final Clock clock;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(SeriesLimit.class));
    /** New series let through that the store may not have committed yet; pruned of committed ones as it grows. */
    private final Set<Key> admitted = new HashSet<>();
    private int pruneAt = 1024;
    private int prunedAtCount = -1;

    SeriesLimit(ReadingStore store, int max, Metrics metrics, Clock clock) {
        this.store = store;
        this.max = max;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The series known now: committed, or let through and on their way to the store. */
    int count() {
        return store.seriesCount() + admitted.size();
    }

    /** The envelope without the readings of series past the limit, which become its dead letters. */
    Envelope admit(Envelope envelope) {
        List<Reading> readings = envelope.readings();
        int i = 0;
        while (i < readings.size() && admits(readings.get(i))) {
            i++;
        }
        if (i == readings.size()) {
            return envelope;
        }
        List<Reading> kept = new ArrayList<>(readings.subList(0, i));
        List<DeadLetter> letters = new ArrayList<>(envelope.deadLetters());
        int refused = 0;
        for (; i < readings.size(); i++) {
            Reading reading = readings.get(i);
            if (admits(reading)) {
                kept.add(reading);
                continue;
            }
            refused++;
            metrics.decodeErrors(reading.source(), "too-many-series").inc();
            if (refused <= MAX_LETTERS) {
                letters.add(letter(reading, clock.millis()));
            }
        }
        if (refused > MAX_LETTERS) {
            Reading first = readings.get(0);
            letters.add(new DeadLetter(first.source(), "", "too-many-rejections", (refused - MAX_LETTERS)
                    + " more readings of new series were refused (too-many-series)", new byte[0], clock.millis()));
        }
        log.warn("series", "{} readings of new series refused: {} series are known, the most "
                + "pipeline.limits.max-series = {} allows; they are dead letters (too-many-series)", refused, count(),
                max);
        return new Envelope(kept, letters, envelope.ack(), envelope.rejections() + refused);
    }

    private boolean admits(Reading reading) {
        if (store.knowsSeries(reading.sensor(), reading.metric())) {
            return true;
        }
        Key key = new Key(reading.sensor(), reading.metric());
        if (admitted.contains(key)) {
            return true;
        }
        if (admitted.size() >= pruneAt) {
            prune();
            // Pruned again only once it doubled: a burst of new series within one batch is not walked per series.
            pruneAt = Math.max(1024, admitted.size() * 2);
        }
        if (store.seriesCount() + admitted.size() >= max) {
            // Those let through and committed since are counted twice; pruned once per commit that added series,
            // not once per refused reading of a flood.
            if (store.seriesCount() == prunedAtCount) {
                return false;
            }
            prune();
            if (store.seriesCount() + admitted.size() >= max) {
                return false;
            }
        }
        admitted.add(key);
        return true;
    }

    private void prune() {
        prunedAtCount = store.seriesCount();
        admitted.removeIf(k -> store.knowsSeries(k.sensor(), k.metric()));
    }

    private static DeadLetter letter(Reading reading, long now) {
        String text = reading.sensor() + " " + reading.metric() + " " + (reading.isState() ? reading.state()
                : Double.toString(reading.value())) + " " + reading.timestamp();
        return new DeadLetter(reading.source(), "", "too-many-series", "a reading of the new series "
                + reading.sensor() + " " + reading.metric() + "; pipeline.limits.max-series are known already",
                text.getBytes(StandardCharsets.UTF_8), now);
    }
}
