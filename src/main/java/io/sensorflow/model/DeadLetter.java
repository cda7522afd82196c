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
        topic = topic == null ? "" : storable(topic);
        detail = detail == null ? "" : storable(detail);
    }

    /**
     * The text with what a store could refuse replaced by U+FFFD: a NUL (PostgreSQL takes none in text) and an
     * unpaired surrogate (not UTF-8). A dead letter that could not be stored would hold up everything behind it.
     */
    static String storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || Character.isSurrogate(c)) {
                return replaced(text);
            }
        }
        return text;
    }

    private static String replaced(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c == 0 || Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
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
