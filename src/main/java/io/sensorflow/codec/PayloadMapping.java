package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonPointer;

import java.util.Optional;

/**
 * Where the parts of a reading are found in a structured payload, as JSON Pointers (RFC 6901).
 * A sensor or metric taken from the topic wins over a pointer.
 */
public record PayloadMapping(String value, Optional<String> timestamp, Optional<String> sensor, Optional<String> metric) {

    /** Validates a pointer at config time so that a typo is reported by {@code check}, not once per message. */
    public static Optional<String> pointerError(String pointer) {
        try {
            JsonPointer.compile(pointer);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a JSON Pointer (RFC 6901, e.g. \"/value\"): " + e.getMessage());
        }
    }
}
