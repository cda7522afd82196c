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
 */
public record Incoming(String source, byte[] payload, long receivedAt, PayloadCodec codec, TopicMatch topic,
                       Acknowledgement ack) {
}
