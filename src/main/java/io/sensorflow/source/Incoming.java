package io.sensorflow.source;

import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.TopicMatch;

/**
 * One raw message as a source received it, with everything needed to decode and acknowledge it.
 *
 * @param source     the configured source's name
 * @param payload    the raw bytes; not copied, never modified
 * @param receivedAt processing time in epoch ms
 * @param codec      how this message's payload is decoded (chosen by the subscription it arrived on)
 * @param topic      what the subscription's topic pattern extracted
 * @param decoded    the envelope, for a source that decoded the message itself (to answer its sender before the
 *                   commit, or because it made the readings); null when the pipeline decodes it
 */
public record Incoming(String source, byte[] payload, long receivedAt, PayloadCodec codec, TopicMatch topic,
                       Acknowledgement ack, Envelope decoded) {

    public Incoming(String source, byte[] payload, long receivedAt, PayloadCodec codec, TopicMatch topic,
                    Acknowledgement ack) {
        this(source, payload, receivedAt, codec, topic, ack, null);
    }

    /** A message the source has decoded already. */
    public static Incoming decoded(String source, long receivedAt, TopicMatch topic, Envelope envelope) {
        return new Incoming(source, new byte[0], receivedAt, null, topic, envelope.ack(), envelope);
    }
}
