package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.model.Reading;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON object per message, or an array of them under {@code items}; value, timestamp, sensor, metric and tags are
 * found by JSON Pointer (relative to each element of {@code items}).
 */
public final class JsonCodec implements PayloadCodec {

    /** {@code format = json}: fields found by JSON Pointer, an array of readings with {@code items}. */
    public static final PayloadFormat FORMAT = PayloadFormat.of("json", PayloadFormat.Naming.POINTERS, JsonCodec::new);


    /** Deeply nested JSON is a classic way to exhaust a parser; no sensor needs more than a few levels. */
    static final int MAX_NESTING = 32;

    /**
     * Duplicate keys are refused: Jackson would keep the last ({@code "value":1,"value":2} stored 2, two
     * {@code sensor} keys stored under the second), and a sender that means the first would never learn.
     */
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private final JsonPointer value;
    private final String valuePath;
    private final JsonPointer timestamp;
    private final JsonPointer sensor;
    private final JsonPointer metric;
    private final JsonPointer items;
    private final Map<String, JsonPointer> tags = new LinkedHashMap<>();
    private final TimePrecision precision;
    private final JsonPointer unit;
    /** The plain case without a tree; null when this mapping always needs one. Package-private for its test. */
    final FlatJson flat;

    JsonCodec(PayloadMapping mapping) {
        this.valuePath = mapping.value();
        this.value = JsonPointer.compile(mapping.value());
        this.timestamp = mapping.timestamp().map(JsonPointer::compile).orElse(null);
        this.sensor = mapping.sensor().map(JsonPointer::compile).orElse(null);
        this.metric = mapping.metric().map(JsonPointer::compile).orElse(null);
        this.items = mapping.items().map(JsonPointer::compile).orElse(null);
        mapping.tags().forEach((name, pointer) -> tags.put(name, JsonPointer.compile(pointer)));
        this.precision = mapping.precision().orElse(TimePrecision.MS);
        this.unit = mapping.unitPointer().map(JsonPointer::compile).orElse(null);
        this.flat = FlatJson.of(MAPPER.getFactory(), mapping, value, timestamp, sensor, metric);
    }

    @Override
    public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        if (flat != null) {
            Reading reading = flat.read(payload, source, topic, receivedAt);
            if (reading != null) {
                return Decoded.of(List.of(reading));
            }
        }
        return decodeTree(payload, source, topic, receivedAt);
    }

    /** Through the whole tree: every shape, and every error with its reason. */
    Decoded decodeTree(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        JsonNode root = parse(payload);
        if (items == null) {
            return Decoded.of(List.of(reading(root, source, topic, receivedAt)));
        }
        JsonNode array = root.at(items);
        if (!array.isArray()) {
            throw new DecodeException("missing-items", "no array at " + items);
        }
        Decoded.Builder decoded = new Decoded.Builder(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                decoded.add(reading(array.get(i), source, topic, receivedAt));
            } catch (DecodeException e) {
                decoded.reject(items + "/" + i, e);
            }
        }
        return decoded.build();
    }

    static JsonNode parse(byte[] payload) throws DecodeException {
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            throw new DecodeException(message.contains("nesting depth") ? "too-deep"
                    : message.startsWith("Duplicate field") ? "duplicate-key" : "malformed-json", message);
        } catch (IOException e) {
            throw new DecodeException("malformed-json", e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new DecodeException("empty-payload", "payload is empty");
        }
        return root;
    }

    private Reading reading(JsonNode root, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        JsonNode valueNode = root.at(value);
        if (valueNode.isMissingNode() || valueNode.isNull()) {
            throw new DecodeException("missing-value", "no value at " + valuePath);
        }
        double v;
        if (valueNode.isNumber()) {
            v = valueNode.doubleValue();
        } else if (valueNode.isBoolean()) {
            v = valueNode.booleanValue() ? 1.0 : 0.0;
        } else {
            throw new DecodeException("wrong-type", "value at " + valuePath + " is " + valueNode.getNodeType()
                    .name().toLowerCase(java.util.Locale.ROOT) + ", not a number");
        }
        if (!Double.isFinite(v)) {
            throw new DecodeException("non-finite", "value at " + valuePath + " is not finite");
        }
        String sensorName = topic.sensor() != null ? topic.sensor() : text(root, sensor, "sensor");
        String metricName = topic.metric() != null ? topic.metric() : text(root, metric, "metric");
        Map<String, String> readingTags = topic.tags();
        if (!tags.isEmpty()) {
            readingTags = new LinkedHashMap<>();
            for (Map.Entry<String, JsonPointer> tag : tags.entrySet()) {
                JsonNode node = root.at(tag.getValue());
                if (node.isValueNode() && !node.isNull()) {
                    readingTags.put(tag.getKey(), node.asText());
                }
            }
            // Like sensor and metric, what the topic says wins.
            readingTags.putAll(topic.tags());
        }
        String unitName = null;
        if (unit != null) {
            JsonNode node = root.at(unit);
            unitName = node.isTextual() && !node.textValue().isEmpty() ? node.textValue() : null;
        }
        return new Reading(sensorName, metricName, v, timestampOf(root, receivedAt), readingTags, source, unitName);
    }

    private long timestampOf(JsonNode root, long receivedAt) throws DecodeException {
        if (timestamp == null) {
            return receivedAt;
        }
        JsonNode node = root.at(timestamp);
        if (node.isMissingNode() || node.isNull()) {
            return receivedAt;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return precision.toMillis(node.longValue());
        }
        if (node.isNumber()) {
            return precision.toMillis(node.doubleValue());
        }
        if (node.isTextual()) {
            return Timestamps.parseIso(node.textValue());
        }
        throw new DecodeException("bad-timestamp", "timestamp at " + timestamp + " is neither a number nor a string");
    }

    private static String text(JsonNode root, JsonPointer pointer, String what) throws DecodeException {
        if (pointer == null) {
            throw new DecodeException("no-" + what, "neither the topic nor the payload names the " + what);
        }
        JsonNode node = root.at(pointer);
        if (!node.isTextual() && !node.isNumber()) {
            throw new DecodeException("no-" + what, "no " + what + " at " + pointer);
        }
        String result = node.asText();
        if (result.isEmpty()) {
            throw new DecodeException("no-" + what, "empty " + what + " at " + pointer);
        }
        return result;
    }
}
