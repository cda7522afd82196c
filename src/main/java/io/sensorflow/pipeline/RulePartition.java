package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Envelope;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The rules of one shard of the sensors, as the node that owns the shard runs them: readings in, their evaluation and
 * everything it changed committed together, then the outbox told. What the pipeline's rules and commit stages do for
 * all sensors of a daemon that runs alone, for one shard's sensors here.
 *
 * <p>Not thread-safe, and one call at a time: its owner (a cluster shard's entity) waits for each returned stage
 * before the next call.
 */
public final class RulePartition implements AutoCloseable {

    private final RuleEngine engine;
    private final ReadingStore store;
    private final CommitQueue commits;
    private final Outbox outbox;
    private final LiveFeed feed;
    private final java.util.function.Consumer<RulePartition> closed;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RulePartition.class));

    RulePartition(RuleEngine engine, ReadingStore store, CommitQueue commits,
                  Outbox outbox, LiveFeed feed, java.util.function.Consumer<RulePartition> closed) {
        this.closed = closed;
        this.engine = engine;
        this.store = store;
        this.commits = commits;
        this.outbox = outbox;
        this.feed = feed;
    }

    /**
     * Takes over what the store holds of this shard, as a restart does ({@link #resume}). Blocking; call before the
     * first reading.
     *
     * @return the alert states restored and the readings replayed
     */
    public long[] restore(long now) {
        return resume(engine, store, now);
    }

    /**
     * Gives {@code engine} back what the store holds of the alert keys it owns: their alert states, then windows,
     * baselines, inputs and deadman clocks rebuilt from the stored readings within the rules' memory of the newest
     * ({@link RuleEngine#rebuildFrom}). What a daemon does at start for all keys, and a shard's new owner for the
     * shard's. Blocking.
     *
     * @return the alert states restored and the readings replayed
     */
    public static long[] resume(RuleEngine engine, ReadingStore store, long now) {
        List<LatestReading> latest = store.latest();
        int restored = engine.restore(store.ruleStates(), latest);
        long from = engine.rebuildFrom(latest, now);
        long[] rebuilt = {0};
        if (from != Long.MAX_VALUE) {
            // The engine takes what feeds its keys: a grouped window's readings come from other shards' sensors too.
            store.scanReadings(from, reading -> {
                if (engine.rebuild(reading)) {
                    rebuilt[0]++;
                }
            });
        }
        return new long[] {restored, rebuilt[0]};
    }

    /**
     * Evaluates the readings, then commits them with the rule states and transitions they caused; completes once
     * committed (retrying while the store is away), with the readings the store refused. The readings whose index is
     * in {@code judgedOnly} are another shard's to store: they are judged for this shard's groups only.
     */
    public CompletionStage<List<Reading>> evaluate(List<Reading> readings, java.util.BitSet judgedOnly,
                                                   long receivedAt) {
        List<AlertEvent> events = new ArrayList<>(0);
        List<Reading> stored = judgedOnly.isEmpty() ? readings : new ArrayList<>(readings.size());
        for (int i = 0; i < readings.size(); i++) {
            Reading reading = readings.get(i);
            if (stored != readings && !judgedOnly.get(i)) {
                stored.add(reading);
            }
            try {
                events.addAll(engine.onReading(reading));
            } catch (RuntimeException e) {
                log.warn("rules", "rule evaluation failed for sensor {} metric {}; the reading is stored, but no "
                        + "rule saw it", reading.sensor(), reading.metric(), e);
            }
        }
        return commit(new Evaluated(Envelope.of(stored, null), events, engine.drainChanges(), receivedAt));
    }

    /** Lets time pass for this shard's alerts (for-durations, deadman rules, repeats) and commits what changed. */
    public CompletionStage<List<Reading>> tick() {
        List<AlertEvent> events = engine.onTick();
        List<RuleState> changes = engine.drainChanges();
        if (events.isEmpty() && changes.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }
        return commit(new Evaluated(Envelope.of(List.of(), null), events, changes, Evaluated.NOT_RECEIVED));
    }

    private CompletionStage<List<Reading>> commit(Evaluated evaluated) {
        return commits.submit(evaluated).thenApply(stored -> {
            if (!stored.events().isEmpty()) {
                outbox.nudge();
            }
            feed.committed(List.of(stored));
            if (stored.envelope().readings().size() == evaluated.envelope().readings().size()) {
                return List.<Reading>of();
            }
            List<Reading> refused = new ArrayList<>(evaluated.envelope().readings());
            refused.removeAll(stored.envelope().readings());
            return refused;
        });
    }

    /**
     * The shard has left this node. A commit of it still in the node's queue completes (it is the node's writer, and
     * the node stops retrying only when it stops); its senders are answered by the new owner.
     */
    @Override
    public void close() {
        // The engine's state goes with this object; the node stops counting its slots.
        closed.accept(this);
    }

    /** Per-key rule states this shard keeps, for the node's gauge; read from another thread, so approximate. */
    int slotCount() {
        return engine.slotCount();
    }
}
