package io.sensorflow.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON shape of a reading that sensorflow reads and writes everywhere (replay files, and the API, ingest and
 * export to come): {@code {"sensor": "lab-1", "metric": "temperature", "value": 21.5,
 * "timestamp": 1795331702886 or "2026-11-22T07:15:02Z", "unit": "Cel", "tags": {"room": "lab"}}}.
 * {@code unit} and {@code tags} are optional. A state reading has {@code "state": "open"} instead of a value.
 */
public final class CanonicalReading {

    private CanonicalReading() {
    }

    /** The fields of one reading; {@code unit} is null when absent, {@code state} unless it is a state reading. */
    public record Fields(String sensor, String metric, double value, long timestamp, String unit,
                         Map<String, String> tags, String state) {

        public io.sensorflow.model.Reading toReading(String source) {
            return state != null
                    ? io.sensorflow.model.Reading.ofState(sensor, metric, state, timestamp, tags, source)
                    : new io.sensorflow.model.Reading(sensor, metric, value, timestamp, tags, source, unit);
        }
    }

    public static Fields parse(JsonNode node) throws DecodeException {
        if (!node.isObject()) {
            throw new DecodeException("not-an-object", "a reading must be a JSON object, got " + node.getNodeType());
        }
        String sensor = text(node, "sensor");
        String metric = text(node, "metric");
        JsonNode value = node.get("value");
        JsonNode stateNode = node.get("state");
        String state = null;
        if ((value == null || value.isNull()) && stateNode != null && !stateNode.isNull()) {
            if (!stateNode.isTextual() || stateNode.textValue().isEmpty()) {
                throw new DecodeException("wrong-type", "\"state\" must be a non-empty string");
            }
            state = stateNode.textValue();
        } else if (value == null || value.isNull()) {
            throw new DecodeException("missing-value", "\"value\" is required");
        }
        if (state == null && !value.isNumber()) {
            throw new DecodeException("wrong-type", "\"value\" must be a number, got " + value.getNodeType()
                    .name().toLowerCase(java.util.Locale.ROOT));
        }
        double v = state != null ? Double.NaN : value.doubleValue();
        if (state == null && !Double.isFinite(v)) {
            throw new DecodeException("non-finite", "\"value\" must be finite");
        }
        long timestamp = timestamp(node.get("timestamp"));
        JsonNode unitNode = node.get("unit");
        String unit = unitNode == null || unitNode.isNull() ? null : unitNode.asText();
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode tagsNode = node.get("tags");
        if (tagsNode != null && !tagsNode.isNull()) {
            if (!tagsNode.isObject()) {
                throw new DecodeException("bad-tags", "\"tags\" must be an object of strings");
            }
            tagsNode.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        }
        return new Fields(sensor, metric, v, timestamp, unit, tags, state);
    }

    /** The canonical JSON object of a reading. */
    public static ObjectNode write(ObjectNode into, String sensor, String metric, double value, long timestamp,
                                   Map<String, String> tags) {
        into.put("sensor", sensor);
        into.put("metric", metric);
        into.put("value", value);
        into.put("timestamp", timestamp);
        if (!tags.isEmpty()) {
            ObjectNode t = into.putObject("tags");
            tags.forEach(t::put);
        }
        return into;
    }

    private static String text(JsonNode node, String field) throws DecodeException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new DecodeException("missing-" + field, "\"" + field + "\" must be a non-empty string");
        }
        return value.asText();
    }

    /** Epoch milliseconds as a number, or ISO-8601 text. */
    public static long timestamp(JsonNode node) throws DecodeException {
        if (node == null || node.isNull()) {
            throw new DecodeException("missing-timestamp", "\"timestamp\" is required (epoch ms or ISO-8601)");
        }
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                throw new DecodeException("bad-timestamp", "timestamp " + node + " is out of range");
            }
            return node.longValue();
        }
        if (node.isTextual()) {
            return timestamp(node.asText());
        }
        throw new DecodeException("bad-timestamp", "\"timestamp\" must be epoch milliseconds or ISO-8601 text");
    }

    /** Epoch milliseconds or ISO-8601 text, as CSV cells hold them. */
    public static long timestamp(String text) throws DecodeException {
        if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new DecodeException("bad-timestamp", "timestamp " + Timestamps.abbreviate(text)
                        + " is out of range");
            }
        }
        return Timestamps.parseIso(text);
    }
}
