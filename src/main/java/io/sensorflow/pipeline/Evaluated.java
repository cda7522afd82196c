package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.RuleState;
import io.sensorflow.source.Envelope;

import java.util.List;

/**
 * One message after the rules have seen it (or one tick of the clock, with an empty envelope): what must be committed
 * together before the message is acknowledged and the transitions' actions run, and when its source received it.
 *
 * @param routed its readings went to their owners in the cluster, who committed them; only its dead letters are left
 *               to commit here, and the readings stay in the envelope to tell the sender what became of them
 */
record Evaluated(Envelope envelope, List<AlertEvent> events, List<RuleState> changes, long receivedAt, boolean routed) {

    Evaluated(Envelope envelope, List<AlertEvent> events, List<RuleState> changes, long receivedAt) {
        this(envelope, events, changes, receivedAt, false);
    }

    /** A turn of the clock, or anything else that no source received. */
    static final long NOT_RECEIVED = Long.MIN_VALUE;

    /** Weight in a store batch: every row it will write, at least one. */
    long weight() {
        return Math.max(1, envelope.readings().size() + envelope.deadLetters().size() + events.size() + changes.size());
    }

    boolean isEmpty() {
        return envelope.readings().isEmpty() && envelope.deadLetters().isEmpty() && events.isEmpty()
                && changes.isEmpty() && envelope.ack() == null;
    }
}
