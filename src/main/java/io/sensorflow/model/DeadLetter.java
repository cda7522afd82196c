package io.sensorflow.model;

import java.nio.charset.StandardCharsets;

/**
 * Input that could not become a reading, or an action that failed, kept for inspection instead of being dropped.
 *
 * @param origin     where it came from: a source name, or {@code action:<name>}
 * @param topic      the MQTT topic or other address of the input, may be empty
 * @param reason     a short machine-friendly reason (also the metric label), e.g. {@code malformed-json}
 * @param detail     a human explanation
 * @param payload    the raw payload, truncated to {@link #MAX_PAYLOAD} bytes
 * @param receivedAt processing time in epoch milliseconds
 */
public record DeadLetter(String origin, String topic, String reason, String detail, byte[] payload, long receivedAt) {

    public static final int MAX_PAYLOAD = 4096;

    public DeadLetter {
        payload = cut(payload);
        topic = topic == null ? "" : topic;
        detail = detail == null ? "" : detail;
    }

    /** The payload as kept: its first {@link #MAX_PAYLOAD} bytes; the same array when it is short enough. */
    public static byte[] cut(byte[] payload) {
        if (payload == null) {
            return new byte[0];
        }
        return payload.length > MAX_PAYLOAD ? java.util.Arrays.copyOf(payload, MAX_PAYLOAD) : payload;
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
