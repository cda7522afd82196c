package io.sensorflow.codec;

/** Turns one raw payload into readings. Implementations are stateless and thread-safe. */
public interface PayloadCodec {

    /**
     * @param source     the configured source's name, stamped on each reading
     * @param topic      what the topic pattern extracted (sensor, metric, tags), used where the payload does not say
     * @param receivedAt processing time in epoch ms, the timestamp of readings that carry none
     * @return the readings, and the elements of a multi-reading payload that were rejected
     * @throws DecodeException if the payload as a whole is not usable; no partial result is returned then
     */
    Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException;

    /**
     * For a codec that must talk back to the devices it reads (Sparkplug's rebirth requests): where to publish,
     * given by the source the messages come from. Others ignore it.
     */
    default void commandsVia(java.util.function.BiConsumer<String, byte[]> publisher) {
    }
}
