package io.sensorflow.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.sensorflow.model.Reading;

import java.util.List;
import java.util.Map;

/**
 * sensorflow's own reading shape ({@link CanonicalReading}), one object or an array of them: what
 * {@code POST /api/v1/ingest} takes as {@code application/json}, and what the API and export write. A reading
 * without a timestamp gets its arrival time; topic tags are added to the reading's own.
 */
public final class CanonicalCodec implements PayloadCodec {

    /** {@code format = canonical}: sensorflow's own reading shape, also what http-push takes as JSON. */
    public static final PayloadFormat FORMAT = PayloadFormat.of("canonical", PayloadFormat.Naming.PAYLOAD,
            mapping -> new CanonicalCodec()).takenAs("application/json");


    @Override
    public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        JsonNode root = JsonCodec.parse(payload);
        if (!root.isArray()) {
            return Decoded.of(List.of(reading(root, source, topic, receivedAt)));
        }
        Decoded.Builder decoded = new Decoded.Builder(root.size());
        for (int i = 0; i < root.size(); i++) {
            try {
                decoded.add(reading(root.get(i), source, topic, receivedAt));
            } catch (DecodeException e) {
                decoded.reject("/" + i, e);
            }
        }
        return decoded.build();
    }

    private static Reading reading(JsonNode node, String source, TopicMatch topic, long receivedAt)
            throws DecodeException {
        if (node.isObject() && (node.get("timestamp") == null || node.get("timestamp").isNull())) {
            node = ((com.fasterxml.jackson.databind.node.ObjectNode) node.deepCopy()).put("timestamp", receivedAt);
        }
        CanonicalReading.Fields f = CanonicalReading.parse(node);
        Map<String, String> tags = f.tags();
        if (!topic.tags().isEmpty()) {
            tags.putAll(topic.tags());
        }
        return new CanonicalReading.Fields(f.sensor(), f.metric(), f.value(), f.timestamp(), f.unit(), tags, f.state())
                .toReading(source);
    }
}
