package io.sensorflow.source;

import io.sensorflow.model.Reading;

import java.util.Map;

/**
 * One set of rules for the text a reading carries, the same whichever store is configured: PostgreSQL refuses a NUL
 * character in text and an unpaired surrogate cannot be encoded in UTF-8, where SQLite takes both, so such a reading
 * would be stored by one and retried or lost by the other. Names (sensor, metric, tag names, unit) may hold no
 * control character at all; texts (tag values, states) may hold tabs and line breaks.
 */
final class ReadingCheck {

    /** Why a reading is refused: a reason for the metric label, and a detail for the dead letter. */
    record Problem(String reason, String detail) {
    }

    private final ReadingLimits limits;

    ReadingCheck(ReadingLimits limits) {
        this.limits = limits;
    }

    /** The first problem of the reading, or null when it may be stored. */
    Problem check(Reading reading) {
        Problem problem = name("sensor", reading.sensor());
        if (problem == null) {
            problem = name("metric", reading.metric());
        }
        if (problem == null && reading.unit() != null) {
            problem = name("unit", reading.unit());
        }
        if (problem == null && reading.state() != null) {
            problem = text("state", reading.state());
        }
        if (problem == null && !reading.tags().isEmpty()) {
            problem = tags(reading.tags());
        }
        return problem;
    }

    private Problem tags(Map<String, String> tags) {
        if (tags.size() > limits.maxTags()) {
            return new Problem("too-many-tags", tags.size() + " tags, more than max-tags = " + limits.maxTags());
        }
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            Problem problem = name("tag name", tag.getKey());
            if (problem == null) {
                problem = text("tag " + shown(tag.getKey()), tag.getValue());
            }
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private Problem name(String what, String name) {
        if (name.isEmpty()) {
            return new Problem("invalid-text", what + " is empty");
        }
        if (name.length() > limits.maxNameLength()) {
            return new Problem("too-long", what + " of " + name.length() + " characters, more than max-name-length = "
                    + limits.maxNameLength() + ": " + shown(name));
        }
        return characters(what, name, false);
    }

    private Problem text(String what, String text) {
        if (text.length() > limits.maxTextLength()) {
            return new Problem("too-long", what + " of " + text.length() + " characters, more than max-text-length = "
                    + limits.maxTextLength() + ": " + shown(text));
        }
        return characters(what, text, true);
    }

    private static Problem characters(String what, String text, boolean breaksAllowed) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
                if (breaksAllowed && (c == '\t' || c == '\n' || c == '\r')) {
                    continue;
                }
                return new Problem("invalid-text", what + " holds the control character U+"
                        + String.format("%04X", (int) c) + " at " + i + ": " + shown(text));
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return new Problem("invalid-text", what + " holds an unpaired surrogate U+"
                        + String.format("%04X", (int) c) + " at " + i + ", which is not Unicode text: " + shown(text));
            }
        }
        return null;
    }

    /** A name as a dead letter shows it: cut, and with its control characters escaped, so the detail is storable. */
    static String shown(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        StringBuilder out = new StringBuilder(cut.length() + 2).append('\'');
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f || Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c) && i + 1 < cut.length()
                    && Character.isLowSurrogate(cut.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(cut.charAt(i - 1)))) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('\'').toString();
    }
}
