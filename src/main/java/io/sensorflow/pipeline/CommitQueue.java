package io.sensorflow.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The commits of a node's shards, written together: each shard hands in what it evaluated, and whatever the shards
 * handed in while the last commit ran goes into the next one. The store has one writer, so commits one per shard
 * would only wait for each other; with 32 shards, a group of messages split into 32 small commits took the node below
 * 5,000 readings a second on PostgreSQL (docs/benchmarks.md, "Scale-out").
 *
 * <p>Bounded without a limit of its own: each shard has at most one commit in flight.
 */
final class CommitQueue {

    private final StoreWriter writer;
    private final int batchSize;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    CommitQueue(StoreWriter writer, int batchSize) {
        this.writer = writer;
        this.batchSize = batchSize;
    }

    /** Completes with what became of {@code evaluated} once it is committed (see {@link StoreWriter#write}). */
    CompletionStage<Evaluated> submit(Evaluated evaluated) {
        CompletableFuture<Evaluated> done = new CompletableFuture<>();
        queue.add(new Entry(evaluated, done));
        drain();
        return done;
    }

    private void drain() {
        if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
            return;
        }
        List<Entry> taken = new ArrayList<>();
        long weight = 0;
        Entry next;
        // At least one, then up to a store batch's weight: one shard's large commit is never split.
        while ((weight == 0 || weight < batchSize) && (next = queue.poll()) != null) {
            taken.add(next);
            weight += next.evaluated().weight();
        }
        if (taken.isEmpty()) {
            writing.set(false);
            drain();
            return;
        }
        List<Evaluated> batch = new ArrayList<>(taken.size());
        taken.forEach(entry -> batch.add(entry.evaluated()));
        writer.write(batch).whenComplete((outcome, error) -> {
            for (int i = 0; i < taken.size(); i++) {
                if (error == null) {
                    taken.get(i).done().complete(outcome.get(i));
                } else {
                    taken.get(i).done().completeExceptionally(error);
                }
            }
            writing.set(false);
            drain();
        });
    }

    /** Stops retrying a commit: at the daemon's stop, after the drain deadline. */
    void stopRetrying() {
        writer.stopRetrying();
    }

    private record Entry(Evaluated evaluated, CompletableFuture<Evaluated> done) {
    }
}
