package io.sensorflow.cluster;

import io.sensorflow.model.Reading;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batches a shard holds or has answered lately, by id. A sender asks again when an answer is late (2 s): its
 * batch may have been lost (a node died, or Cluster Sharding dropped it while the shard moved), or it may only be
 * waiting behind a slow commit, or its answer was lost. A batch the shard holds takes the new sender to answer, and
 * a batch it has answered is answered again at once, instead of being judged and committed a second time.
 *
 * <p>Bounded: the ids answered are kept {@code remembered} at most, oldest out first. A batch sent again after its id
 * went out is judged again; the engine takes its readings as late and the store keeps one row of each.
 *
 * @param <R> whom to answer (the sender's reply address)
 */
final class BatchLedger<R> {

    /** A batch: the node that sent it (a number it drew at start) and its number there. */
    record BatchId(long origin, long sequence) {
    }

    /** What a batch that comes is to this shard. */
    sealed interface Admission {
    }

    /** Not seen: to judge and commit. */
    record Fresh() implements Admission {
    }

    /** Held already, waiting or being committed: its answer goes to the new sender. */
    record Held() implements Admission {
    }

    /** Committed and answered already: the same answer again. */
    record Answered(List<Reading> refused) implements Admission {
    }

    private static final Admission FRESH = new Fresh();
    private static final Admission HELD = new Held();

    private final Map<BatchId, R> pending = new HashMap<>();
    private final LinkedHashMap<BatchId, List<Reading>> answered;

    BatchLedger(int remembered) {
        this.answered = new LinkedHashMap<>(Math.min(remembered, 1_024) * 2) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BatchId, List<Reading>> eldest) {
                return size() > remembered;
            }
        };
    }

    /** A batch came from {@code sender}; a fresh one is held from now on. */
    Admission admit(BatchId id, R sender) {
        List<Reading> refused = answered.get(id);
        if (refused != null) {
            return new Answered(refused);
        }
        if (pending.replace(id, sender) != null) {
            return HELD;
        }
        pending.put(id, sender);
        return FRESH;
    }

    /** The batch is committed: returns whom to answer, the last to send it. */
    R settle(BatchId id, List<Reading> refused) {
        answered.put(id, List.copyOf(refused));
        return pending.remove(id);
    }

    /** The batch's commit failed: not answered, and judged anew when it comes again. */
    void forget(BatchId id) {
        pending.remove(id);
    }

    /** Batches held, not yet answered. */
    int held() {
        return pending.size();
    }
}
