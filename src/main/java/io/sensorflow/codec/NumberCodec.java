package io.sensorflow.codec;

import io.sensorflow.model.Reading;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A payload that is nothing but a number; sensor and metric come from the topic, the time from arrival. */
final class NumberCodec implements PayloadCodec {

    @Override
    public List<Reading> decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        String text = new String(payload, StandardCharsets.UTF_8).trim();
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new DecodeException("not-a-number", "payload '" + Timestamps.abbreviate(text) + "' is not a number");
        }
        if (!Double.isFinite(value)) {
            throw new DecodeException("non-finite", "value " + text + " is not a finite number");
        }
        if (topic.sensor() == null || topic.metric() == null) {
            throw new DecodeException("no-sensor", "topic '" + topic.topic() + "' names no sensor or metric");
        }
        return List.of(new Reading(topic.sensor(), topic.metric(), value, receivedAt, topic.tags(), source));
    }
}
