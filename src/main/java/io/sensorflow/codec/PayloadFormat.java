package io.sensorflow.codec;

/** The payload formats a subscription can name with {@code format = ...}: the one list of codecs. */
public enum PayloadFormat {
    /** A JSON object; fields are found by JSON Pointer. */
    JSON,
    /** A bare number as text, e.g. {@code 21.5}. */
    NUMBER;

    public PayloadCodec codec(PayloadMapping mapping) {
        return switch (this) {
            case JSON -> new JsonCodec(mapping);
            case NUMBER -> new NumberCodec();
        };
    }
}
