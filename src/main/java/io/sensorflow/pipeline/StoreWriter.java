package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.store.Batch;
import io.sensorflow.source.Envelope;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreException;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
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
 * Data the store refuses is not retried: the refused reading is found by halving the batch, dead-lettered with the
 * database's reason, and the rest is committed and acknowledged.
 * The retries are Pekko's ({@link Patterns#retry}), the backoff every retry in the daemon uses.
 */
final class StoreWriter {

    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);

    private final ReadingStore store;
    private final Metrics metrics;
    private final ActorSystem system;
    private final Executor blocking;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private volatile boolean stopped;
    /** When the store began failing (wall clock), 0 while it takes writes. */
    private volatile long troubleSince;
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
     * retrying ({@link #stopRetrying}). A message whose reading the store refused comes back with that reading among
     * its dead letters instead, so that its acknowledgement can say so.
     */
    CompletionStage<List<Evaluated>> write(List<Evaluated> batch) {
        Pending commit = new Pending(merge(batch));
        CompletableFuture<List<Evaluated>> done = new CompletableFuture<>();
        // Known to stopRetrying, so that a stop does not wait for the backoff to run out. Not a callback on a future
        // that lives as long as the daemon: one per batch would keep every batch ever written.
        inFlight = done;
        // The first attempt straight on the blocking dispatcher: Pekko's retry costs hops through the actor
        // dispatcher on every commit, which showed as fewer, later commits (and alerts) in the end-to-end bench.
        CompletableFuture.supplyAsync(commit::attempt, blocking).whenComplete((ok, failed) -> {
            if (failed == null) {
                done.complete(commit.outcome(batch));
            } else if (stopped) {
                done.completeExceptionally(failed);
            } else {
                retry(commit, done, batch);
            }
        });
        return done;
    }

    /** After a failed commit: Pekko's retries, 100 ms, then doubling up to 5 s, until the store takes it. */
    private void retry(Pending commit, CompletableFuture<List<Evaluated>> done, List<Evaluated> batch) {
        Patterns.after(MIN_BACKOFF, system, () -> Patterns.retry(
                        () -> CompletableFuture.supplyAsync(commit::attempt, blocking),
                        (ok, error) -> error != null && !stopped, Integer.MAX_VALUE, MIN_BACKOFF.multipliedBy(2),
                        MAX_BACKOFF, 0, system))
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        done.complete(commit.outcome(batch));
                    } else {
                        done.completeExceptionally(error);
                    }
                });
    }

    /**
     * Why the store takes no batch now (it has been failing since the time given), or null while it does: for
     * http-push, which then answers 503 at once instead of holding its sender for the commit timeout.
     */
    String trouble() {
        long since = troubleSince;
        return since == 0 ? null : "the store has been failing for " + Math.max(0, System.currentTimeMillis() - since)
                / 1000 + " s; readings are taken again once it is back (see /health/ready)";
    }

    private static Batch merge(List<Evaluated> batch) {
        List<Reading> readings = new ArrayList<>(batch.size());
        List<DeadLetter> deadLetters = new ArrayList<>(0);
        // Only the last state of each alert in the batch needs writing: a sensor flapping around its threshold
        // changes state on every reading, but the batch commits once.
        Map<StateKey, RuleState> states = new LinkedHashMap<>();
        List<AlertEvent> events = new ArrayList<>(0);
        for (Evaluated evaluated : batch) {
            if (!evaluated.routed()) {
                readings.addAll(evaluated.envelope().readings());
            }
            deadLetters.addAll(evaluated.envelope().deadLetters());
            for (RuleState state : evaluated.changes()) {
                states.put(new StateKey(state.rule(), state.sensor(), state.metric(), state.group()), state);
            }
            events.addAll(evaluated.events());
        }
        return new Batch(readings, deadLetters, List.copyOf(states.values()), events);
    }

    /**
     * One batch on its way into the store. Normally one commit. When the store refuses data, the batch is halved
     * until the refused element is alone: a refused reading becomes a dead letter with the database's reason and the
     * rest is committed. The parts still to commit are kept here, so that a transient failure half-way retries only
     * them and nothing is written twice.
     */
    private final class Pending {
        private final ArrayDeque<Batch> todo = new ArrayDeque<>(1);
        /** Each refused reading, by identity, and the dead letter that took its place. */
        private Map<Reading, DeadLetter> refused = Map.of();

        Pending(Batch batch) {
            todo.add(batch);
        }

        /** Commits what is left; throws on a transient failure. Returns a count, never null (see {@link #commit}). */
        Integer attempt() {
            int inserted = 0;
            while (!todo.isEmpty()) {
                Batch next = todo.peekFirst();
                try {
                    inserted += commit(next);
                    todo.pollFirst();
                } catch (StoreException e) {
                    if (!e.refusedData()) {
                        throw e;
                    }
                    todo.pollFirst();
                    split(next, e);
                }
            }
            troubleSince = 0;
            return inserted;
        }

        private void split(Batch batch, StoreException e) {
            int size = size(batch);
            if (size > 1) {
                todo.addFirst(slice(batch, size / 2, size));
                todo.addFirst(slice(batch, 0, size / 2));
                return;
            }
            String reason = e.getMessage();
            if (batch.readings().size() == 1) {
                Reading reading = batch.readings().get(0);
                metrics.decodeErrors(reading.source(), "store-refused").inc();
                log.warn("refused", "the store refused a reading of {} {} from {}; kept as a dead letter: {}",
                        reading.sensor(), reading.metric(), reading.source(), reason);
                DeadLetter letter = new DeadLetter(reading.source(), "", "store-refused", "the store refused the "
                        + "reading of " + reading.sensor() + " " + reading.metric() + " at " + reading.timestamp()
                        + ": " + reason, describe(reading), System.currentTimeMillis());
                if (refused.isEmpty()) {
                    refused = new IdentityHashMap<>();
                }
                refused.put(reading, letter);
                todo.addFirst(Batch.of(List.of(), List.of(letter)));
                return;
            }
            // A dead letter, a rule state or a transition the store will not take: none comes from outside as it
            // is (the text a reading carries is checked before the rules), so this is a bug. Retrying it would hold
            // up every reading behind it; it is logged whole instead.
            metrics.storeErrors().inc();
            LOG.error("the store refused {}; it is left out: {}", leftOut(batch), reason);
        }

        /** The one element of a batch that is not a reading. */
        private static List<?> leftOut(Batch batch) {
            if (!batch.deadLetters().isEmpty()) {
                return batch.deadLetters();
            }
            return batch.ruleStates().isEmpty() ? batch.alertEvents() : batch.ruleStates();
        }

        /** The messages, each with what became of its readings. */
        List<Evaluated> outcome(List<Evaluated> batch) {
            if (refused.isEmpty()) {
                return batch;
            }
            List<Evaluated> result = new ArrayList<>(batch.size());
            for (Evaluated evaluated : batch) {
                Envelope envelope = evaluated.envelope();
                List<Reading> kept = null;
                List<DeadLetter> letters = null;
                for (Reading reading : envelope.readings()) {
                    DeadLetter letter = refused.get(reading);
                    if (letter != null && kept == null) {
                        kept = new ArrayList<>(envelope.readings());
                        letters = new ArrayList<>(envelope.deadLetters());
                    }
                    if (letter != null) {
                        kept.remove(reading);
                        letters.add(letter);
                    }
                }
                result.add(kept == null ? evaluated : new Evaluated(new Envelope(kept, letters, envelope.ack(),
                        envelope.rejections() + letters.size() - envelope.deadLetters().size()), evaluated.events(),
                        evaluated.changes(), evaluated.receivedAt()));
            }
            return result;
        }
    }

    private static byte[] describe(Reading reading) {
        return (reading.sensor() + " " + reading.metric() + " " + (reading.isState() ? reading.state()
                : Double.toString(reading.value())) + " " + reading.timestamp() + " " + reading.tags())
                .getBytes(StandardCharsets.UTF_8);
    }

    private static int size(Batch batch) {
        return batch.readings().size() + batch.deadLetters().size() + batch.ruleStates().size()
                + batch.alertEvents().size();
    }

    /** Elements {@code from} to {@code to} of the batch, counted over its readings, dead letters, states, events. */
    private static Batch slice(Batch batch, int from, int to) {
        int r = batch.readings().size();
        int d = r + batch.deadLetters().size();
        int s = d + batch.ruleStates().size();
        return new Batch(part(batch.readings(), from, to, 0), part(batch.deadLetters(), from, to, r),
                part(batch.ruleStates(), from, to, d), part(batch.alertEvents(), from, to, s));
    }

    private static <T> List<T> part(List<T> list, int from, int to, int offset) {
        int start = Math.max(0, from - offset);
        int end = Math.min(list.size(), to - offset);
        return start >= end ? List.of() : list.subList(start, end);
    }

    /**
     * One attempt; runs on the blocking dispatcher. Returns the rows inserted, never null: Pekko 1.7's
     * {@code Patterns.after} never completes a stage whose value is null (seen as a hung retry in PipelineTest).
     */
    private int commit(Batch batch) {
        int rows = size(batch);
        try {
            long started = System.nanoTime();
            int inserted = store.write(batch);
            metrics.commit(System.nanoTime() - started, rows);
            metrics.stored().inc(inserted);
            metrics.duplicates().inc(batch.readings().size() - inserted);
            metrics.deadLettersStored().inc(batch.deadLetters().size());
            return inserted;
        } catch (StoreException e) {
            if (e.refusedData()) {
                throw e;
            }
            noteTrouble(batch, e);
            throw e;
        } catch (RuntimeException e) {
            noteTrouble(batch, e);
            throw e;
        }
    }

    private void noteTrouble(Batch batch, RuntimeException e) {
        if (troubleSince == 0) {
            troubleSince = System.currentTimeMillis();
        }
        metrics.storeErrors().inc();
        log.warn("store", "store write of {} readings failed, retrying with backoff ({} ms doubling up to {} s): {}",
                batch.readings().size(), MIN_BACKOFF.toMillis(), MAX_BACKOFF.toSeconds(), e.getMessage());
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
