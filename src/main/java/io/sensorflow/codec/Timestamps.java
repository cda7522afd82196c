package io.sensorflow.codec;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Reads the two timestamp forms sensors send: epoch milliseconds and ISO-8601. */
final class Timestamps {

    private Timestamps() {
    }

    static long parseIso(String text) throws DecodeException {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new DecodeException("bad-timestamp", "timestamp '" + abbreviate(text)
                        + "' is neither epoch milliseconds nor ISO-8601 (e.g. 2026-11-22T07:15:02Z)");
            }
        }
    }

    static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }
}
