package io.sensorflow.codec;

import java.util.Map;

/** What a topic pattern took out of one concrete topic; {@code sensor} and {@code metric} are null when the pattern has no such placeholder. */
public record TopicMatch(String topic, String sensor, String metric, Map<String, String> tags) {

    public static TopicMatch none(String topic) {
        return new TopicMatch(topic, null, null, Map.of());
    }
}
