package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.RuleState;
import io.sensorflow.store.Batch;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Commits one batch of evaluated messages, retrying with backoff until the store takes it. While it retries, the stream in
 * front of it backpressures the sources and nothing is acknowledged, so a store outage loses nothing.
 */
final class StoreWriter {

    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final ReadingStore store;
    private final Metrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(StoreWriter.class));
    private final java.util.concurrent.CountDownLatch stopSignal = new java.util.concurrent.CountDownLatch(1);

    StoreWriter(ReadingStore store, Metrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Blocks until the batch is committed (or the daemon is stopping); call on the blocking dispatcher. */
    List<Evaluated> write(List<Evaluated> batch) throws InterruptedException {
        List<Reading> readings = new ArrayList<>(batch.size());
        List<DeadLetter> deadLetters = new ArrayList<>(0);
        // Only the last state of each alert in the batch needs writing: a sensor flapping around its threshold
        // changes state on every reading, but the batch commits once.
        java.util.Map<StateKey, RuleState> states = new java.util.LinkedHashMap<>();
        List<AlertEvent> events = new ArrayList<>(0);
        for (Evaluated evaluated : batch) {
            readings.addAll(evaluated.envelope().readings());
            deadLetters.addAll(evaluated.envelope().deadLetters());
            for (RuleState state : evaluated.changes()) {
                states.put(new StateKey(state.rule(), state.sensor(), state.metric(), state.group()), state);
            }
            events.addAll(evaluated.events());
        }
        Batch commit = new Batch(readings, deadLetters, List.copyOf(states.values()), events);
        long backoff = MIN_BACKOFF.toMillis();
        while (true) {
            try {
                long started = System.nanoTime();
                int inserted = store.write(commit);
                metrics.commit(System.nanoTime() - started, readings.size() + deadLetters.size() + states.size()
                        + events.size());
                metrics.stored().inc(inserted);
                metrics.duplicates().inc(readings.size() - inserted);
                metrics.deadLettersStored().inc(deadLetters.size());
                return batch;
            } catch (RuntimeException e) {
                metrics.storeErrors().inc();
                log.warn("store", "store write of {} readings failed, retrying in {} ms: {}", readings.size(), backoff,
                        e.getMessage());
                if (stopSignal.await(backoff, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    throw e;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private record StateKey(String rule, String sensor, String metric, String group) {
    }

    /** Stop retrying: a batch that cannot be stored now stays unacknowledged and is redelivered. */
    void stopRetrying() {
        stopSignal.countDown();
    }
}
