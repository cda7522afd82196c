package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The wiring, and nothing else:
 * <pre>
 * sources ─ merge ─ group ─ decode ─ rules (+ clock ticks) ─ batch ─ commit (blocking dispatcher) ─ ack ─ nudge the
 * outbox
 * </pre>
 * One line, so backpressure reaches the sources from every stage; every buffer is bounded. A message is acknowledged
 * only after everything decoded from it, and the rule state and transitions it caused, are committed. The deliveries
 * the transitions require are committed with them, and the {@link Outbox} runs them.
 */
public final class Pipeline {

    private static final Object TICK = new Object();
    /** Messages per stream element at most, between intake and the rules. */
    private static final int CHUNK = 256;
    private static final Envelope NO_MESSAGE = new Envelope(List.of(), List.of(), null);

    private final ActorSystem system;
    private final List<SensorSource> sources;
    /** Owned by the rules stage; replaced there (and only there) when a reload is pending. */
    private RuleEngine engine;
    private final java.util.concurrent.atomic.AtomicReference<PendingReload> pendingReload =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Map<String, Action> actions;
    private final PipelineConfig config;
    private final StoreConfig storeConfig;
    private final Decoder decoder;
    private final StoreWriter storeWriter;
    private final ReadingStore store;
    private final Executor blocking;
    private final SeriesLimit seriesLimit;
    /** Null unless {@code pipeline.sequence-tag} is set. */
    private final SequenceGaps sequenceGaps;
    private final ActionRunner actionRunner;
    private final Outbox outbox;
    private final LiveFeed feed;
    private final Metrics metrics;
    private final Clock clock;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(Pipeline.class));
    /** In a cluster, where readings are evaluated and committed instead of here; null for a daemon alone. */
    private ReadingRouter router;
    /** The shards this node runs now, in a cluster; for the rule slots gauge. */
    private final java.util.Set<RulePartition> partitions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The commits of this node's shards in a cluster; null until the first shard starts. */
    private CommitQueue partitionCommits;
    /** Groups of messages whose readings may be on their way to their owners at once. */
    private static final int ROUTES_IN_FLIGHT = 4;

    public Pipeline(ActorSystem system, List<SensorSource> sources, ReadingStore store, RuleEngine engine,
                    Map<String, Action> actions, Map<String, ActionLimits> limits,
                    PipelineConfig config, StoreConfig storeConfig, Decoder decoder,
                    Metrics metrics, Clock clock, Executor blocking, LiveFeed feed, ActionBreakers breakers) {
        this.system = system;
        this.feed = feed;
        this.metrics = metrics;
        this.clock = clock;
        this.sources = List.copyOf(sources);
        this.engine = engine;
        engine.limitSlots(config.maxRuleSlots());
        this.seriesLimit = new SeriesLimit(store, config.limits().maxSeries(), metrics, clock);
        metrics.cardinality(seriesLimit::count, this::ruleSlots);
        this.sequenceGaps = config.sequenceTag().isEmpty() ? null
                : new SequenceGaps(config.sequenceTag(), config.limits().maxSeries(), metrics);
        this.actions = actions;
        this.config = config;
        this.storeConfig = storeConfig;
        this.decoder = decoder;
        this.storeWriter = new StoreWriter(store, metrics, system, blocking);
        this.store = store;
        this.blocking = blocking;
        this.actionRunner = new ActionRunner(store, metrics, clock, blocking, ActionLimits.rateLimits(limits));
        this.outbox = new Outbox(store, actionRunner, () -> this.actions, config.actionRetry(),
                config.actionParallelism(), clock, metrics, breakers);
        outbox.limits(withDefaultConcurrency(limits));
    }

    /**
     * The actions' limits, each without a {@code max-concurrency} of its own bounded by
     * {@code pipeline.action-concurrency}: a target that hangs holds at most that many of the outbox's slots until its
     * breaker opens, and the other actions keep the rest.
     */
    private Map<String, ActionLimits> withDefaultConcurrency(Map<String, ActionLimits> limits) {
        Map<String, ActionLimits> result = new java.util.HashMap<>();
        limits.forEach((name, limit) -> result.put(name, limit.maxConcurrency() > 0 ? limit
                : new ActionLimits(limit.rateLimit(), config.actionConcurrency(), limit.maxRate())));
        return result;
    }

    /**
     * In a cluster: readings go to the owners of their sensors through {@code readingRouter}, which evaluate and
     * commit them ({@link #partition}); this node's stream only decodes, routes, stores dead letters and acknowledges.
     * Call before {@link #run()}.
     */
    public void routeThrough(ReadingRouter readingRouter) {
        this.router = readingRouter;
    }

    /** Whether readings go to their owners in a cluster ({@link #routeThrough}). */
    public boolean routed() {
        return router != null;
    }

    /**
     * The rules of one shard of the alert keys, for the node that owns it: an engine of the current rules that keeps
     * state only for the keys {@code owns} accepts (sensors and groups), committing through the node's commit queue
     * and feeding this node's outbox and live views; its alerts are muted by the inhibitors firing in other shards as
     * {@code inhibitions} holds them.
     */
    public RulePartition partition(java.util.function.Predicate<io.sensorflow.rule.AlertKey> owns,
                                   io.sensorflow.rule.Inhibitions inhibitions) {
        RuleEngine part = engine.partition(owns, inhibitions);
        RulePartition partition = new RulePartition(part, store, partitionCommits(), outbox, feed,
                partitions::remove);
        partitions.add(partition);
        return partition;
    }

    /** Per-key rule states kept: the engine's, or in a cluster those of the shards this node runs now. */
    private int ruleSlots() {
        if (router == null) {
            return engine.slotCount();
        }
        int slots = 0;
        for (RulePartition partition : partitions) {
            slots += partition.slotCount();
        }
        return slots;
    }

    /** The one queue all of this node's shards commit through, made with the first. */
    private synchronized CommitQueue partitionCommits() {
        if (partitionCommits == null) {
            partitionCommits = new CommitQueue(new StoreWriter(store, metrics, system, blocking),
                    storeConfig.batchSize());
        }
        return partitionCommits;
    }

    /** Starts the stream; the stage completes when intake has stopped and everything in flight is stored and acked. */
    public CompletionStage<Done> run() {
        Source<Incoming, NotUsed> merged = Source.from(sources)
                .flatMapMerge(Math.max(1, sources.size()), SensorSource::incoming);
        Source<List<Arrival>, NotUsed> decoded = merged
                // One stream element per group of messages: what arrived while the stages downstream were busy, at
                // most CHUNK. An idle pipeline passes each message on at once; a busy one pays the hops between its
                // stages once per group instead of once per message. Bounded: the sources hold no more than their
                // in-flight limits, and this stage no more than CHUNK.
                .batch(CHUNK, Pipeline::firstOf, Pipeline::append)
                .map(this::decodeAll)
                // Async boundaries: intake and decoding, rule evaluation, and storing, acking and actions each run
                // on their own actor, so they use separate cores instead of sharing one fused stage.
                .async();
        Source<List<Evaluated>, NotUsed> evaluated = router == null ? decoded
                .<Object>map(arrivals -> arrivals)
                // The clock's turns, interleaved with messages in the one stage that owns the engine. The first comes
                // at once, so deadlines that passed while the daemon was down are met at start. Eager completion:
                // when intake ends, the ticks must not keep the stream alive.
                .merge(Source.tick(Duration.ZERO, config.tickInterval(), TICK), true)
                .map(this::evaluateAll)
                // In a cluster the owners of the sensors evaluate and commit (and tick); this node routes to them.
                // Bounded: at most this many groups wait for their owners; then intake waits.
                : decoded.mapAsync(ROUTES_IN_FLIGHT, this::route);
        CompletionStage<Done> done = evaluated
                .filter(group -> !group.isEmpty())
                .async()
                .via(storeAndAck())
                // The transitions' deliveries were committed with them: the outbox runs them on its own thread, so
                // no action, however slow, holds up a commit or an ack.
                .map(event -> {
                    if (!event.actions().isEmpty()) {
                        outbox.nudge();
                    }
                    return event;
                })
                .toMat(Sink.ignore(), Keep.right())
                .run(system);
        outbox.start();
        done.whenComplete((d, error) -> outbox.close());
        return done;
    }

    /**
     * A group of messages through their owners: every reading of the group in one call (the router sends one batch
     * per owning shard), then each message with what its readings became.
     */
    private CompletionStage<List<Evaluated>> route(List<Arrival> arrivals) {
        List<Envelope> envelopes = new ArrayList<>(arrivals.size());
        List<Reading> readings = new ArrayList<>();
        for (Arrival arrival : arrivals) {
            Envelope envelope = seriesLimit.admit(arrival.envelope());
            envelopes.add(envelope);
            readings.addAll(envelope.readings());
        }
        CompletionStage<List<Reading>> routed = readings.isEmpty()
                ? CompletableFuture.completedFuture(List.of()) : router.route(readings);
        return routed.thenApply(refused -> {
            java.util.Set<Reading> gone = refused.isEmpty() ? java.util.Set.of() : new java.util.HashSet<>(refused);
            List<Evaluated> result = new ArrayList<>(arrivals.size());
            for (int i = 0; i < arrivals.size(); i++) {
                Envelope envelope = envelopes.get(i);
                if (!gone.isEmpty()) {
                    // The owner keeps each refused reading as a dead letter; the sender hears it was not stored.
                    List<Reading> kept = envelope.readings().stream().filter(r -> !gone.contains(r)).toList();
                    envelope = new Envelope(kept, envelope.deadLetters(), envelope.ack(),
                            envelope.rejections() + envelope.readings().size() - kept.size());
                }
                result.add(new Evaluated(envelope, List.of(), List.of(), arrivals.get(i).receivedAt(), true));
            }
            return result;
        });
    }

    private static <T> List<T> firstOf(T first) {
        List<T> list = new ArrayList<>();
        list.add(first);
        return list;
    }

    private static <T> List<T> append(List<T> list, T next) {
        list.add(next);
        return list;
    }

    private List<Arrival> decodeAll(List<Incoming> group) {
        List<Arrival> arrivals = new ArrayList<>(group.size());
        for (Incoming incoming : group) {
            arrivals.add(new Arrival(decoder.decode(incoming), incoming.receivedAt()));
        }
        return arrivals;
    }

    /** A group of messages, or a tick, through the rules: what each leaves to commit (nothing is left out). */
    @SuppressWarnings("unchecked")
    private List<Evaluated> evaluateAll(Object item) {
        applyPendingReload();
        if (item == TICK) {
            List<AlertEvent> events = engine.onTick();
            Evaluated tick = new Evaluated(NO_MESSAGE, events, engine.drainChanges(), Evaluated.NOT_RECEIVED);
            return tick.isEmpty() ? List.of() : List.of(tick);
        }
        List<Arrival> arrivals = (List<Arrival>) item;
        List<Evaluated> result = new ArrayList<>(arrivals.size());
        for (Arrival arrival : arrivals) {
            Evaluated evaluated = evaluate(arrival);
            if (!evaluated.isEmpty()) {
                result.add(evaluated);
            }
        }
        return result;
    }

    private void applyPendingReload() {
        // A plain read on every element; the atomic swap only when a reload is waiting.
        PendingReload reload = pendingReload.get() == null ? null : pendingReload.getAndSet(null);
        if (reload != null) {
            List<String> kept = new ArrayList<>();
            engine = engine.reloaded(reload.rules(), kept);
            actions = reload.actions();
            actionRunner.limits(ActionLimits.rateLimits(reload.limits()));
            outbox.limits(withDefaultConcurrency(reload.limits()));
            reload.done().complete(kept);
        }
    }

    private Evaluated evaluate(Arrival arrival) {
        Envelope envelope = seriesLimit.admit(arrival.envelope());
        if (sequenceGaps != null) {
            envelope = sequenceGaps.track(envelope);
        }
        List<AlertEvent> events = null;
        for (Reading reading : envelope.readings()) {
            List<AlertEvent> caused;
            try {
                caused = engine.onReading(reading);
            } catch (RuntimeException e) {
                // A bug in one rule type must not end the stream for every sensor; the reading is still stored.
                log.warn("rules", "rule evaluation failed for sensor {} metric {}; the reading is stored, "
                        + "but no rule saw it", reading.sensor(), reading.metric(), e);
                continue;
            }
            if (!caused.isEmpty()) {
                if (events == null) {
                    events = new ArrayList<>(caused.size());
                }
                events.addAll(caused);
            }
        }
        return new Evaluated(envelope, events == null ? List.of() : events, engine.drainChanges(),
                arrival.receivedAt());
    }

    /**
     * Commits readings, dead letters, rule states and transitions together, then acknowledges the messages, then
     * hands on the transitions: an action never runs for a transition that a crash could undo.
     */
    private Flow<List<Evaluated>, AlertEvent, NotUsed> storeAndAck() {
        // The groups are taken apart again (in this stage's actor, no hop): a batch is weighed by message, so it
        // keeps to store.batch.size however many large http-push bodies one group held.
        return Flow.<List<Evaluated>>create()
                .mapConcat(group -> group)
                .via(batches())
                .mapAsync(1, storeWriter::write)
                .mapConcat(batch -> {
                    long now = clock.millis();
                    for (Evaluated evaluated : batch) {
                        if (evaluated.receivedAt() != Evaluated.NOT_RECEIVED) {
                            metrics.pipelineLag(now - evaluated.receivedAt());
                        }
                    }
                    List<AlertEvent> events = new ArrayList<>(0);
                    for (Evaluated evaluated : batch) {
                        if (evaluated.envelope().ack() != null) {
                            acknowledge(evaluated.envelope());
                        }
                        events.addAll(evaluated.events());
                    }
                    // After the acks: a sender waiting for its 202 must not wait for the live views as well. Routed
                    // readings reach them from their owners.
                    if (router == null) {
                        feed.committed(batch);
                    }
                    return events;
                });
    }

    private Flow<Evaluated, List<Evaluated>, NotUsed> batches() {
        if (storeConfig.batchMaxDelay().isZero()) {
            // Aggregates only while the commit downstream is busy: no waiting when the store is idle.
            return Flow.<Evaluated>create().batchWeighted(storeConfig.batchSize(), Evaluated::weight, first -> {
                List<Evaluated> batch = new ArrayList<>();
                batch.add(first);
                return batch;
            }, (batch, next) -> {
                batch.add(next);
                return batch;
            });
        }
        return Flow.<Evaluated>create()
                .groupedWeightedWithin(storeConfig.batchSize(), Evaluated::weight, storeConfig.batchMaxDelay());
    }

    /** Why the store takes no batch now, or null while it does; see {@link StoreWriter#trouble}. */
    public String storeTrouble() {
        return storeWriter.trouble();
    }

    /**
     * The readings are committed; a failed acknowledgement only means the origin will deliver the message again,
     * which the idempotent store absorbs. It must never end the stream.
     */
    private void acknowledge(Envelope envelope) {
        try {
            envelope.ack().acknowledge(envelope);
        } catch (RuntimeException e) {
            log.warn("ack", "acknowledging a stored message failed, it will be redelivered: {}", e.toString());
        }
    }

    /**
     * Swaps in a new rule set and its actions at the next message or tick (within {@code pipeline.tick-interval}),
     * in the stage that owns the engine, so no reading sees half of each.
     *
     * @return the names of the rules whose state was kept, once the swap is done
     */
    public CompletionStage<List<String>> reload(List<io.sensorflow.rule.Rule> rules, Map<String, Action> newActions,
                                                Map<String, ActionLimits> limits) {
        PendingReload reload = new PendingReload(List.copyOf(rules), Map.copyOf(newActions), Map.copyOf(limits),
                new CompletableFuture<>());
        PendingReload replaced = pendingReload.getAndSet(reload);
        if (replaced != null) {
            // Superseded before it was applied: its caller gets the outcome of the newer one.
            reload.done().whenComplete((kept, error) -> {
                if (error == null) {
                    replaced.done().complete(kept);
                } else {
                    replaced.done().completeExceptionally(error);
                }
            });
        }
        return reload.done();
    }

    /** A decoded message and when its source received it, on its way to the rules. */
    private record Arrival(Envelope envelope, long receivedAt) {
    }

    private record PendingReload(List<io.sensorflow.rule.Rule> rules, Map<String, Action> actions,
                                 Map<String, ActionLimits> limits,
                                 CompletableFuture<List<String>> done) {
    }

    /** Stops intake on every source; the stage returned by {@link #run()} completes once in-flight work is done. */
    public void stopIntake() {
        sources.forEach(SensorSource::stopIntake);
    }

    /** After the drain deadline: stop retrying the store so the stream can end; unacked messages are redelivered. */
    public void abandonRetries() {
        storeWriter.stopRetrying();
        if (router != null) {
            router.stopRetrying();
        }
        synchronized (this) {
            if (partitionCommits != null) {
                partitionCommits.stopRetrying();
            }
        }
    }
}
