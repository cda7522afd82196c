package io.sensorflow.codec;

import io.sensorflow.model.Reading;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A payload that is nothing but a number, an on/off state stored as 1 or 0, or a text state (a state reading such
 * as {@code open}); sensor and metric come from the topic, the time from arrival.
 */
public final class NumberCodec implements PayloadCodec {

    /** {@code format = number}: a bare number as text, e.g. {@code 21.5}. */
    public static final PayloadFormat NUMBER = PayloadFormat.of("number", PayloadFormat.Naming.TOPIC,
            mapping -> new NumberCodec(Kind.NUMBER));
    /** {@code format = boolean}: a bare on/off state (true/false, on/off, yes/no, open/closed, 1/0), stored as 1/0. */
    public static final PayloadFormat BOOLEAN = PayloadFormat.of("boolean", PayloadFormat.Naming.TOPIC,
            mapping -> new NumberCodec(Kind.BOOLEAN));
    /** {@code format = string}: a bare text such as {@code open}: a state reading. */
    public static final PayloadFormat STRING = PayloadFormat.of("string", PayloadFormat.Naming.TOPIC,
            mapping -> new NumberCodec(Kind.STRING));


    /** What the bare payload is. */
    enum Kind { NUMBER, BOOLEAN, STRING }

    private final Kind kind;

    NumberCodec(Kind kind) {
        this.kind = kind;
    }

    @Override
    public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        String text = new String(payload, StandardCharsets.UTF_8).trim();
        if (kind == Kind.STRING && text.isEmpty()) {
            throw new DecodeException("empty-payload", "payload is empty");
        }
        double value = kind == Kind.BOOLEAN ? state(text) : kind == Kind.NUMBER ? number(text) : Double.NaN;
        if (topic.sensor() == null || topic.metric() == null) {
            throw new DecodeException("no-sensor", "topic '" + topic.topic() + "' names no sensor or metric");
        }
        if (kind == Kind.STRING) {
            return Decoded.of(List.of(Reading.ofState(topic.sensor(), topic.metric(), text, receivedAt, topic.tags(),
                    source)));
        }
        return Decoded.of(List.of(new Reading(topic.sensor(), topic.metric(), value, receivedAt, topic.tags(), source)));
    }

    private static double number(String text) throws DecodeException {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new DecodeException("not-a-number", "payload '" + Timestamps.abbreviate(text) + "' is not a number");
        }
        if (!Double.isFinite(value)) {
            throw new DecodeException("non-finite", "value " + text + " is not a finite number");
        }
        return value;
    }

    private static double state(String text) throws DecodeException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "open", "1" -> 1.0;
            case "false", "off", "no", "closed", "0" -> 0.0;
            default -> throw new DecodeException("not-a-boolean", "payload '" + Timestamps.abbreviate(text)
                    + "' is none of true/false, on/off, yes/no, open/closed, 1/0");
        };
    }
}
