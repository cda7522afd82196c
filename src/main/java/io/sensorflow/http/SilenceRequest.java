package io.sensorflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sensorflow.config.Durations;
import io.sensorflow.model.Silence;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Reads and validates the body of {@code POST /api/v1/silences}; every mistake is a 400 with a message. */
final class SilenceRequest {

    private static final Set<String> KNOWN = Set.of("rule", "sensor", "metric", "group", "tags", "startsAt", "endsAt",
            "duration", "comment", "createdBy");
    /** Every silence is stored and shown for good: its tags are bounded like its texts (Params.bounded). */
    static final int MAX_TAGS = 32;

    private SilenceRequest() {
    }

    /** @throws IllegalArgumentException saying what is wrong */
    static Silence parse(JsonNode body, long now) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        body.fieldNames().forEachRemaining(name -> {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "'; known: " + String.join(", ",
                        new java.util.TreeSet<>(KNOWN)));
            }
        });
        String rule = text(body, "rule");
        String sensor = text(body, "sensor");
        String metric = text(body, "metric");
        String group = text(body, "group");
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode tagsNode = body.get("tags");
        if (tagsNode != null && !tagsNode.isNull()) {
            if (!tagsNode.isObject()) {
                throw new IllegalArgumentException("tags must be an object of globs, e.g. {\"zone\": \"north\"}");
            }
            tagsNode.fields().forEachRemaining(e -> tags.put(
                    Params.bounded("a tag name", e.getKey(), Params.MAX_NAME),
                    Params.bounded("tag " + e.getKey(), e.getValue().asText(), Params.MAX_NAME)));
            if (tags.size() > MAX_TAGS) {
                throw new IllegalArgumentException("tags may name at most " + MAX_TAGS + " tags, got " + tags.size());
            }
        }
        for (Map.Entry<String, String> matcher : Map.of("rule", rule, "sensor", sensor, "metric", metric, "group",
                group).entrySet()) {
            Params.bounded(matcher.getKey(), matcher.getValue(), Params.MAX_NAME);
        }
        if (rule.isEmpty() && sensor.isEmpty() && metric.isEmpty() && group.isEmpty() && tags.isEmpty()) {
            throw new IllegalArgumentException("give at least one matcher (rule, sensor, metric, group or tags); a "
                    + "silence of everything must say so with rule = \"*\"");
        }
        String comment = text(body, "comment");
        if (comment.isBlank()) {
            throw new IllegalArgumentException("comment is required: say why, for whoever wonders later");
        }
        Params.bounded("comment", comment, Params.MAX_COMMENT);
        String createdBy = Params.bounded("createdBy", text(body, "createdBy"), Params.MAX_NAME);
        long startsAt = body.has("startsAt") ? instant(body.get("startsAt"), "startsAt") : now;
        long endsAt;
        if (body.has("endsAt") == body.has("duration")) {
            throw new IllegalArgumentException("give exactly one of endsAt and duration (e.g. \"2h\")");
        } else if (body.has("endsAt")) {
            endsAt = instant(body.get("endsAt"), "endsAt");
        } else {
            String text = body.get("duration").asText();
            try {
                endsAt = startsAt + Durations.parse(text).toMillis();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("duration must look like 30m, 2h or 1d, got '" + text + "'");
            }
        }
        if (endsAt <= startsAt) {
            throw new IllegalArgumentException("the silence must end after it starts");
        }
        if (endsAt <= now) {
            throw new IllegalArgumentException("the silence would already be over");
        }
        return new Silence(UUID.randomUUID().toString(), rule, sensor, metric, group, tags, startsAt, endsAt, comment,
                createdBy, now);
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        return node.asText();
    }

    private static long instant(JsonNode node, String field) {
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        try {
            return Instant.parse(node.asText()).toEpochMilli();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + " must be epoch milliseconds or ISO-8601, got '"
                    + node.asText() + "'");
        }
    }
}
