package io.sensorflow.cluster;

import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.Pipeline;
import io.sensorflow.pipeline.ReadingRouter;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Groups;
import io.sensorflow.rule.Inhibitions;
import io.sensorflow.telemetry.Failures;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The cluster's sensors in a fixed number of shards, each evaluated by the node Cluster Sharding gives it to
 * ({@link RuleShard}). A node's intake routes what it decoded here: one batch per shard per group of messages, and the
 * group is acknowledged once every shard's owner has answered that it committed its part.
 */
public final class ShardedRules implements ReadingRouter {

    static final EntityTypeKey<RuleShard.Command> TYPE = EntityTypeKey.create(RuleShard.Command.class, "rules");
    /**
     * How long an answer may take before the batch goes again. Short: a batch lost to a dead node or dropped by
     * Cluster Sharding while its shard moved waits this long. A batch that is only slow costs a message: the owner
     * holds it once however often it comes ({@link BatchLedger}).
     */
    private static final Duration ATTEMPT = Duration.ofSeconds(2);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final Duration WAKE_EVERY = Duration.ofSeconds(2);

    private final ClusterSharding sharding;
    private final ActorSystem system;
    private final Groups groups;
    private final int shards;
    private final Clock clock;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(ShardedRules.class));
    /** The shards whose entity runs on this node now. */
    private final java.util.Set<Integer> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** This node's batches' ids: a number drawn at start (a restarted node's are new), then a count. */
    private final long origin = new java.security.SecureRandom().nextLong();
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean stopped;
    private volatile Cancellable waker;

    private ShardedRules(ActorSystem system, Groups groups, int shards, Clock clock) {
        this.system = system;
        this.groups = groups;
        this.sharding = ClusterSharding.get(Adapter.toTyped(system));
        this.shards = shards;
        this.clock = clock;
    }

    /**
     * Starts this node's share of the shards (Pekko decides which) and routes {@code pipeline}'s readings to their
     * owners from now on.
     */
    public static ShardedRules start(ActorSystem system, ClusterNode node, Pipeline pipeline, Groups groups,
                                     Inhibitions inhibitions, int shards, Executor blocking, Clock clock,
                                     Duration tickInterval) {
        ShardedRules rules = new ShardedRules(system, groups, shards, clock);
        rules.sharding.init(Entity.of(TYPE, context -> {
            int shard = Integer.parseInt(context.getEntityId());
            rules.held.add(shard);
            return RuleShard.create(shard, pipeline.partition(key -> shardOf(key, shards) == shard, inhibitions),
                    blocking, clock, tickInterval, () -> rules.held.remove(shard));
        }).withStopMessage(RuleShard.Stop.INSTANCE).withMessageExtractor(new OneEntityPerShard()));
        pipeline.routeThrough(rules);
        node.attach(rules);
        // Every shard runs somewhere at all times, not only once a reading comes: deadman rules and for-durations
        // need their clock, on whichever node the shard lives after a move.
        rules.waker = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, WAKE_EVERY, rules::wakeAll,
                system.dispatcher());
        return rules;
    }

    /** The shard of a sensor: the same on every node and every run (String.hashCode is specified). */
    static int shardOf(String sensor, int shards) {
        return Math.floorMod(sensor.hashCode(), shards);
    }

    /**
     * Whether the shard of {@code key} runs on this node now: what this node fetches of the sources that a cluster
     * spreads by key (an http-poll URL), so that each is fetched by one node and moves with its shard.
     */
    public boolean holds(String key) {
        return held.contains(shardOf(key, shards));
    }

    /** The shard of an alert: its sensor's, or for a grouped rule its group's. */
    static int shardOf(AlertKey key, int shards) {
        return shardOf(key.group().isEmpty() ? key.sensor() : key.group(), shards);
    }

    private void wakeAll() {
        if (stopped) {
            return;
        }
        for (int shard = 0; shard < shards; shard++) {
            sharding.entityRefFor(TYPE, Integer.toString(shard)).tell(RuleShard.Wake.INSTANCE);
        }
    }

    @Override
    public CompletionStage<List<Reading>> route(List<Reading> readings) {
        Part[] byShard = split(readings, groups, shards);
        long receivedAt = clock.millis();
        List<CompletableFuture<List<Reading>>> answers = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            Part part = byShard[shard];
            if (part != null) {
                BatchLedger.BatchId id = new BatchLedger.BatchId(origin, sequence.incrementAndGet());
                answers.add(send(shard, id, part, receivedAt));
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> {
            List<Reading> refused = new ArrayList<>(0);
            answers.forEach(answer -> refused.addAll(answer.join()));
            return refused;
        });
    }

    /**
     * The batch of each shard, null for a shard with none: a reading goes to its sensor's shard, to judge and store,
     * and to the shard of each group it counts for, to judge only; to a shard once, in the order received.
     */
    static Part[] split(List<Reading> readings, Groups groups, int shards) {
        Part[] byShard = new Part[shards];
        for (Reading reading : readings) {
            int own = shardOf(reading.sensor(), shards);
            part(byShard, own).readings.add(reading);
            if (groups.isEmpty()) {
                continue;
            }
            groups.of(reading, key -> {
                int shard = shardOf(key, shards);
                if (shard == own) {
                    return;
                }
                Part part = part(byShard, shard);
                // Two groups of one reading in one shard: one copy, judged for both.
                if (part.readings.isEmpty() || part.readings.get(part.readings.size() - 1) != reading) {
                    part.judgedOnly.set(part.readings.size());
                    part.readings.add(reading);
                }
            });
        }
        return byShard;
    }

    private static Part part(Part[] byShard, int shard) {
        Part part = byShard[shard];
        if (part == null) {
            part = new Part(new ArrayList<>(), new BitSet());
            byShard[shard] = part;
        }
        return part;
    }

    /** One shard's batch: the readings, and which of them are another shard's to store. */
    record Part(List<Reading> readings, BitSet judgedOnly) {
    }

    /**
     * Asks the shard's owner until it answers: while a shard moves (its node left or died) the ask times out, and
     * the batch goes again, to the new owner, which restored the shard's state from the store first. A batch that the
     * old owner committed but could not answer for is committed again: the store keeps one row of each reading.
     */
    private CompletableFuture<List<Reading>> send(int shard, BatchLedger.BatchId id, Part part, long receivedAt) {
        CompletableFuture<List<Reading>> answered = new CompletableFuture<>();
        ask(shard, new Batch(id, List.copyOf(part.readings()), part.judgedOnly(), receivedAt), MIN_BACKOFF_MS,
                answered);
        return answered;
    }

    /** One batch as it goes to its owner, as often as it takes. */
    private record Batch(BatchLedger.BatchId id, List<Reading> readings, BitSet judgedOnly, long receivedAt) {
    }

    /** One attempt; a failed one schedules the next, which completes the same {@code answered}: no chain grows. */
    private void ask(int shard, Batch batch, long backoff, CompletableFuture<List<Reading>> answered) {
        CompletionStage<RuleShard.Committed> asked = sharding.entityRefFor(TYPE, Integer.toString(shard))
                .ask(replyTo -> new RuleShard.Evaluate(batch.id(), batch.readings(), batch.judgedOnly(),
                        batch.receivedAt(), replyTo), ATTEMPT);
        // The stage Pekko returns is Scala's, whose callbacks without an executor run on the JDK's default pool: with
        // two cores that starts a thread per call (12 % of a one-node cluster's CPU at 5,000 readings/s in a
        // profile). So one callback, on the thread that completes it, into a plain future.
        asked.whenCompleteAsync((committed, error) -> {
            if (error == null) {
                answered.complete(committed.refused());
            } else if (stopped) {
                answered.completeExceptionally(error);
            } else {
                log.warn("route", "shard {} did not answer for {} readings ({}); sending again in {} ms", shard,
                        batch.readings().size(), Failures.cause(error) instanceof java.util.concurrent.TimeoutException
                                ? "not within " + ATTEMPT.toMillis() + " ms" : error.toString(), backoff);
                system.scheduler().scheduleOnce(Duration.ofMillis(backoff),
                        () -> ask(shard, batch, Math.min(MAX_BACKOFF_MS, backoff * 2), answered),
                        system.dispatcher());
            }
        }, Runnable::run);
    }

    /**
     * Which node holds which shards now, as the coordinator knows it: node {@code host:port} to its shard numbers.
     * A node that does not answer within {@code timeout} is left out.
     */
    CompletionStage<Map<String, List<Integer>>> allocation(Duration timeout) {
        CompletionStage<ShardRegion.ClusterShardingStats> stats = AskPattern.ask(sharding.shardState(),
                replyTo -> new GetClusterShardingStats(TYPE, timeout, replyTo), timeout.plusSeconds(1),
                Adapter.toTyped(system).scheduler());
        return stats.thenApply(answer -> {
            Map<String, List<Integer>> allocation = new TreeMap<>();
            answer.getRegions().forEach((address, region) -> allocation.put(ClusterNode.hostPort(address),
                    region.getStats().keySet().stream().map(Integer::parseInt).sorted().toList()));
            return allocation;
        });
    }

    @Override
    public void stopRetrying() {
        stopped = true;
        Cancellable timer = waker;
        if (timer != null) {
            timer.cancel();
        }
    }

    /** One Pekko shard per entity: the entity is the shard of the sensors, and it moves as a whole. */
    private static final class OneEntityPerShard
            extends ShardingMessageExtractor<ShardingEnvelope<RuleShard.Command>, RuleShard.Command> {

        @Override
        public String entityId(ShardingEnvelope<RuleShard.Command> envelope) {
            return envelope.entityId();
        }

        @Override
        public String shardId(String entityId) {
            return entityId;
        }

        @Override
        public RuleShard.Command unwrapMessage(ShardingEnvelope<RuleShard.Command> envelope) {
            return envelope.message();
        }
    }
}
