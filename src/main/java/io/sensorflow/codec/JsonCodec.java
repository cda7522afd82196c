package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.model.Reading;

import java.io.IOException;
import java.util.List;

/** A JSON object per message; value, timestamp, sensor and metric are found by JSON Pointer. */
final class JsonCodec implements PayloadCodec {

    /** Deeply nested JSON is a classic way to exhaust a parser; no sensor needs more than a few levels. */
    private static final int MAX_NESTING = 32;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build());

    private final JsonPointer value;
    private final String valuePath;
    private final JsonPointer timestamp;
    private final JsonPointer sensor;
    private final JsonPointer metric;

    JsonCodec(PayloadMapping mapping) {
        this.valuePath = mapping.value();
        this.value = JsonPointer.compile(mapping.value());
        this.timestamp = mapping.timestamp().map(JsonPointer::compile).orElse(null);
        this.sensor = mapping.sensor().map(JsonPointer::compile).orElse(null);
        this.metric = mapping.metric().map(JsonPointer::compile).orElse(null);
    }

    @Override
    public List<Reading> decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new DecodeException("malformed-json", e.getOriginalMessage());
        } catch (IOException e) {
            throw new DecodeException("malformed-json", e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new DecodeException("empty-payload", "payload is empty");
        }
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
        return List.of(new Reading(sensorName, metricName, v, timestampOf(root, receivedAt), topic.tags(), source));
    }

    private long timestampOf(JsonNode root, long receivedAt) throws DecodeException {
        if (timestamp == null) {
            return receivedAt;
        }
        JsonNode node = root.at(timestamp);
        if (node.isMissingNode() || node.isNull()) {
            return receivedAt;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return (long) node.doubleValue();
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
