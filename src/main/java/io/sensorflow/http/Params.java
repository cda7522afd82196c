package io.sensorflow.http;

import java.time.Instant;
import java.util.Map;

/**
 * Query parameters and body fields the resources share, checked: each mistake is an
 * {@link IllegalArgumentException} for a 400.
 */
final class Params {

    private static final int MAX_LISTING = 10_000;
    /** The longest name-like text the API stores (who did it, a matcher, a tag), in characters. */
    static final int MAX_NAME = 200;
    /** The longest comment the API stores (an acknowledgement's, a silence's), in characters. */
    static final int MAX_COMMENT = 2_000;

    private Params() {
    }

    /** The {@code from}, {@code to} and {@code limit} of a listing endpoint. */
    record Listing(long from, long to, int limit) {

        /**
         * @param span how far before {@code to} an absent {@code from} lies; {@code Long.MAX_VALUE}: from the start
         */
        static Listing parse(Map<String, String> params, long span) {
            long to = params.containsKey("to") ? instant(params.get("to"), "to") : System.currentTimeMillis() + 1;
            long from = params.containsKey("from") ? instant(params.get("from"), "from")
                    : span == Long.MAX_VALUE ? 0 : to - span;
            long limit = params.containsKey("limit") ? wholeNumber(params.get("limit"), "limit") : 100;
            if (from >= to) {
                throw new IllegalArgumentException("from must be before to");
            }
            if (limit < 1 || limit > MAX_LISTING) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LISTING);
            }
            return new Listing(from, to, (int) limit);
        }
    }

    static long wholeNumber(String text, String name) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'");
        }
    }

    /** Epoch milliseconds or ISO-8601. */
    static long instant(String text, String name) {
        try {
            return text.chars().allMatch(Character::isDigit) && !text.isEmpty() ? Long.parseLong(text)
                    : Instant.parse(text).toEpochMilli();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " must be epoch milliseconds or ISO-8601 (2026-11-22T07:15:02Z), "
                    + "got '" + text + "'");
        }
    }

    /**
     * {@code value}, if it has at most {@code max} characters: whatever the API stores and shows for good is bounded.
     *
     * @throws IllegalArgumentException naming the field otherwise
     */
    static String bounded(String field, String value, int max) {
        if (value.length() > max) {
            throw new IllegalArgumentException(field + " may have at most " + max + " characters, got "
                    + value.length());
        }
        return value;
    }
}
