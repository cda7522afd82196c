package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.store.Batch;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Commits one batch of evaluated messages, retrying with backoff until the store takes it. While it retries, the
 * stream in front of it backpressures the sources and nothing is acknowledged, so a store outage loses nothing.
 * The retries are Pekko's ({@link Patterns#retry}), the backoff every retry in the daemon uses.
 */
final class StoreWriter {

    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final ReadingStore store;
    private final Metrics metrics;
    private final ActorSystem system;
    private final Executor blocking;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(StoreWriter.class));
    private volatile boolean stopped;
    /** The batch being written: one at a time (the stream asks with a parallelism of one). */
    private volatile CompletableFuture<List<Evaluated>> inFlight;

    StoreWriter(ReadingStore store, Metrics metrics, ActorSystem system, Executor blocking) {
        this.store = store;
        this.metrics = metrics;
        this.system = system;
        this.blocking = blocking;
    }

    /**
     * Completes with the batch once it is committed, on the blocking dispatcher; fails only when the daemon stops
     * retrying ({@link #stopRetrying}).
     */
    CompletionStage<List<Evaluated>> write(List<Evaluated> batch) {
        Batch commit = merge(batch);
        CompletableFuture<List<Evaluated>> done = new CompletableFuture<>();
        // Known to stopRetrying, so that a stop does not wait for the backoff to run out. Not a callback on a future
        // that lives as long as the daemon: one per batch would keep every batch ever written.
        inFlight = done;
        // The first attempt straight on the blocking dispatcher: Pekko's retry costs hops through the actor
        // dispatcher on every commit, which showed as fewer, later commits (and alerts) in the end-to-end bench.
        CompletableFuture.supplyAsync(() -> commit(commit), blocking).whenComplete((ok, failed) -> {
            if (failed == null) {
                done.complete(batch);
            } else if (stopped) {
                done.completeExceptionally(failed);
            } else {
                retry(commit, done, batch);
            }
        });
        return done;
    }

    /** After a failed commit: Pekko's retries, 100 ms, then doubling up to 5 s, until the store takes it. */
    private void retry(Batch commit, CompletableFuture<List<Evaluated>> done, List<Evaluated> batch) {
        Patterns.after(MIN_BACKOFF, system, () -> Patterns.retry(
                        () -> CompletableFuture.supplyAsync(() -> commit(commit), blocking),
                        (ok, error) -> error != null && !stopped, Integer.MAX_VALUE, MIN_BACKOFF.multipliedBy(2),
                        MAX_BACKOFF, 0, system))
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        done.complete(batch);
                    } else {
                        done.completeExceptionally(error);
                    }
                });
    }

    private static Batch merge(List<Evaluated> batch) {
        List<Reading> readings = new ArrayList<>(batch.size());
        List<DeadLetter> deadLetters = new ArrayList<>(0);
        // Only the last state of each alert in the batch needs writing: a sensor flapping around its threshold
        // changes state on every reading, but the batch commits once.
        Map<StateKey, RuleState> states = new LinkedHashMap<>();
        List<AlertEvent> events = new ArrayList<>(0);
        for (Evaluated evaluated : batch) {
            readings.addAll(evaluated.envelope().readings());
            deadLetters.addAll(evaluated.envelope().deadLetters());
            for (RuleState state : evaluated.changes()) {
                states.put(new StateKey(state.rule(), state.sensor(), state.metric(), state.group()), state);
            }
            events.addAll(evaluated.events());
        }
        return new Batch(readings, deadLetters, List.copyOf(states.values()), events);
    }

    /**
     * One attempt; runs on the blocking dispatcher. Returns the rows inserted, never null: Pekko 1.7's
     * {@code Patterns.after} never completes a stage whose value is null (seen as a hung retry in PipelineTest).
     */
    private Integer commit(Batch batch) {
        int rows = batch.readings().size() + batch.deadLetters().size() + batch.ruleStates().size()
                + batch.alertEvents().size();
        try {
            long started = System.nanoTime();
            int inserted = store.write(batch);
            metrics.commit(System.nanoTime() - started, rows);
            metrics.stored().inc(inserted);
            metrics.duplicates().inc(batch.readings().size() - inserted);
            metrics.deadLettersStored().inc(batch.deadLetters().size());
            return inserted;
        } catch (RuntimeException e) {
            metrics.storeErrors().inc();
            log.warn("store", "store write of {} readings failed, retrying with backoff ({} ms doubling up to {} s): {}",
                    batch.readings().size(), MIN_BACKOFF.toMillis(), MAX_BACKOFF.toSeconds(), e.getMessage());
            throw e;
        }
    }

    private record StateKey(String rule, String sensor, String metric, String group) {
    }

    /** Stop retrying: a batch that cannot be stored now stays unacknowledged and is redelivered. */
    void stopRetrying() {
        stopped = true;
        CompletableFuture<List<Evaluated>> current = inFlight;
        if (current != null) {
            current.completeExceptionally(new CancellationException("the daemon stopped retrying"));
        }
    }
}
