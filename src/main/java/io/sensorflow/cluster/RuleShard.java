package io.sensorflow.cluster;

import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.RulePartition;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One shard of the sensors on the node that owns it: a Cluster Sharding entity around a {@link RulePartition}.
 * First it restores the shard's rule state from the store (as a restart would), then it evaluates and commits
 * the readings sent to it, one commit at a time; what arrives meanwhile is committed together next, and each sender
 * hears back once its readings are committed. A timer lets time pass for the shard's alerts.
 *
 * <p>When the shard moves, its unanswered senders time out and send again, to the new owner: nothing is acknowledged
 * to a broker that the old owner did not commit. A batch sent again to the owner that holds or answered it is not
 * judged twice ({@link BatchLedger}).
 */
final class RuleShard extends AbstractBehavior<RuleShard.Command> {

    /** Messages held while restoring or committing, at most; more are dropped and their senders send again. */
    static final int MAX_WAITING = 1_000;
    /** Batches answered whose ids are kept, to answer one sent again without judging it twice: a few seconds' worth. */
    private static final int REMEMBERED = 1_024;
    private static final Duration RESTORE_RETRY = Duration.ofSeconds(1);

    sealed interface Command {
    }

    /**
     * Readings received by some node at {@code receivedAt}, for this shard's keys; answered with Committed. Most are
     * of this shard's sensors, to judge and store; those whose index is in {@code judgedOnly} are of other shards'
     * sensors, which their own shard stores, and come for the groups this shard owns. A batch sent again has the same
     * {@code id}.
     */
    record Evaluate(BatchLedger.BatchId id, List<Reading> readings, BitSet judgedOnly, long receivedAt,
                    ActorRef<Committed> replyTo) implements Command, ClusterMessage {
    }

    /** The readings of an Evaluate are committed; those listed were refused by the store and kept as dead letters. */
    record Committed(List<Reading> refused) implements ClusterMessage {
    }

    /** Sent to every shard now and then, so that each runs (and its timers tick) without waiting for a reading. */
    enum Wake implements Command, ClusterMessage { INSTANCE }

    /** Sharding's stop message at a handoff: finish the commit in progress, then stop. */
    enum Stop implements Command { INSTANCE }

    private enum Tick implements Command { INSTANCE }

    private enum Restore implements Command { INSTANCE }

    private record Restored(long[] counts, Throwable error) implements Command {
    }

    private record Done(List<Evaluate> senders, List<Reading> refused, Throwable error) implements Command {
    }

    private final RulePartition partition;
    private final int shard;
    private final Executor blocking;
    private final Clock clock;
    private final Duration tickInterval;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RuleShard.class));
    private final List<Evaluate> waiting = new ArrayList<>();
    private final BatchLedger<ActorRef<Committed>> ledger = new BatchLedger<>(REMEMBERED);
    private final Runnable stopped;
    private boolean restored;
    private boolean busy;
    private boolean tickDue;
    private boolean stopping;

    private RuleShard(ActorContext<Command> context, int shard, RulePartition partition, Executor blocking,
                      Clock clock, Duration tickInterval, Runnable stopped) {
        super(context);
        this.stopped = stopped;
        this.shard = shard;
        this.partition = partition;
        this.blocking = blocking;
        this.clock = clock;
        this.tickInterval = tickInterval;
    }

    /** @param stopped called when the entity stops, on this node: the shard is another's from then on */
    static Behavior<Command> create(int shard, RulePartition partition, Executor blocking, Clock clock,
                                    Duration tickInterval, Runnable stopped) {
        return Behaviors.setup(context -> {
            context.getSelf().tell(Restore.INSTANCE);
            return new RuleShard(context, shard, partition, blocking, clock, tickInterval, stopped);
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessageEquals(Wake.INSTANCE, () -> this)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Restore.INSTANCE, this::onRestore)
                .onMessage(Restored.class, this::onRestored)
                .onMessage(Done.class, this::onDone)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .onSignal(PostStop.class, signal -> {
                    stopped.run();
                    partition.close();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onRestore() {
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> partition.restore(clock.millis()), blocking),
                (counts, error) -> new Restored(counts, error));
        return this;
    }

    private Behavior<Command> onRestored(Restored result) {
        if (result.error() != null) {
            log.warn("restore", "shard {} could not restore its rule state from the store, retrying in {} s: {}",
                    shard, RESTORE_RETRY.toSeconds(), result.error().toString());
            getContext().scheduleOnce(RESTORE_RETRY, getContext().getSelf(), Restore.INSTANCE);
            return this;
        }
        restored = true;
        if (result.counts()[0] > 0 || result.counts()[1] > 0) {
            getContext().getLog().info("shard {}: resumed {} alert states and rebuilt windows from {} stored readings",
                    shard, result.counts()[0], result.counts()[1]);
        }
        // A tick at once: deadlines that passed while the shard moved are met now.
        tickDue = true;
        return next();
    }

    private Behavior<Command> onEvaluate(Evaluate evaluate) {
        BatchLedger.Admission admission = ledger.admit(evaluate.id(), evaluate.replyTo());
        if (admission instanceof BatchLedger.Answered answered) {
            evaluate.replyTo().tell(new Committed(answered.refused()));
            return this;
        }
        if (admission instanceof BatchLedger.Held) {
            return this;
        }
        if (waiting.size() >= MAX_WAITING) {
            ledger.forget(evaluate.id());
            log.warn("full", "shard {} holds {} batches already; one is dropped, its sender sends it again", shard,
                    waiting.size());
            return this;
        }
        waiting.add(evaluate);
        return next();
    }

    private Behavior<Command> onTick() {
        tickDue = true;
        return next();
    }

    /**
     * Sharding hands the shard over: no new batch comes here, and the ones waiting are committed and answered before
     * the entity stops, so that their senders need not wait for a timeout and their readings keep their order.
     */
    private Behavior<Command> onStop() {
        stopping = true;
        return busy ? this : drainThenStop();
    }

    private Behavior<Command> drainThenStop() {
        if (!restored || waiting.isEmpty()) {
            return Behaviors.stopped();
        }
        startCommit();
        return this;
    }

    private Behavior<Command> onDone(Done done) {
        busy = false;
        for (Evaluate sender : done.senders()) {
            if (done.error() == null) {
                List<Reading> refused = done.refused().isEmpty() ? List.of()
                        : sender.readings().stream().filter(done.refused()::contains).toList();
                ActorRef<Committed> latest = ledger.settle(sender.id(), refused);
                if (latest != null) {
                    latest.tell(new Committed(refused));
                }
            } else {
                // A failed commit (the writer stopped retrying at a stop): no answer, its senders send again.
                ledger.forget(sender.id());
            }
        }
        if (stopping) {
            return done.error() == null ? drainThenStop() : Behaviors.stopped();
        }
        return next();
    }

    /** Starts the next commit if there is one and none is running. */
    private Behavior<Command> next() {
        if (!restored || busy || stopping) {
            return this;
        }
        if (tickDue) {
            // Before waiting readings: under a steady load there always are some, and time must still pass.
            tickDue = false;
            busy = true;
            getContext().pipeToSelf(partition.tick(), (refused, error) -> new Done(List.of(), List.of(), error));
            getContext().scheduleOnce(tickInterval, getContext().getSelf(), Tick.INSTANCE);
        } else if (!waiting.isEmpty()) {
            startCommit();
        }
        return this;
    }

    /** Evaluates and commits every waiting batch together. */
    private void startCommit() {
        List<Evaluate> senders = List.copyOf(waiting);
        waiting.clear();
        List<Reading> readings = new ArrayList<>();
        BitSet judgedOnly = new BitSet();
        long receivedAt = Long.MAX_VALUE;
        for (Evaluate evaluate : senders) {
            int offset = readings.size();
            evaluate.judgedOnly().stream().forEach(i -> judgedOnly.set(offset + i));
            readings.addAll(evaluate.readings());
            receivedAt = Math.min(receivedAt, evaluate.receivedAt());
        }
        busy = true;
        getContext().pipeToSelf(partition.evaluate(readings, judgedOnly, receivedAt),
                (refused, error) -> new Done(senders, refused == null ? List.of() : refused, error));
    }
}
