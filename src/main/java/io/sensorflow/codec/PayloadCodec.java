package io.sensorflow.codec;

import io.sensorflow.model.Reading;

import java.util.List;

/** Turns one raw payload into readings. Implementations are stateless and thread-safe. */
public interface PayloadCodec {

    /**
     * @param source     the configured source's name, stamped on each reading
     * @param topic      what the topic pattern extracted (sensor, metric, tags), used where the payload does not say
     * @param receivedAt processing time in epoch ms, the timestamp of readings that carry none
     * @throws DecodeException if the payload is not usable; no partial result is returned then
     */
    List<Reading> decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException;
}
