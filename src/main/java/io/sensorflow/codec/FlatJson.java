package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import io.sensorflow.model.Reading;

import java.io.IOException;

/**
 * The usual JSON message read straight from its bytes, without a tree: one object whose value, timestamp, sensor and
 * metric (where the topic does not name them) are properties at its top level. It answers only the plain case,
 * with a reading, and null for everything else (another shape, a value of another type, a big number, a duplicate
 * key, anything malformed), which {@link JsonCodec} then decodes through the tree as before. So the outcome,
 * and every error's reason and text, are the tree's; this only saves the tree where nothing is wrong. Reading the
 * tree was a fifth of what the daemon allocated at saturation.
 */
final class FlatJson {

    private final JsonFactory factory;
    private final String value;
    /** Null: no timestamp pointer, the receive time is the reading's time. */
    private final String timestamp;
    private final String sensor;
    private final String metric;
    private final TimePrecision precision;

    private FlatJson(JsonFactory factory, String value, String timestamp, String sensor, String metric,
                     TimePrecision precision) {
        this.factory = factory;
        this.value = value;
        this.timestamp = timestamp;
        this.sensor = sensor;
        this.metric = metric;
        this.precision = precision;
    }

    /**
     * The fast reader for a mapping, or null when the mapping needs the tree: items, tags, a unit, or a pointer
     * deeper than one property.
     */
    static FlatJson of(JsonFactory factory, PayloadMapping mapping, JsonPointer value, JsonPointer timestamp,
                       JsonPointer sensor, JsonPointer metric) {
        if (mapping.items().isPresent() || !mapping.tags().isEmpty() || mapping.unitPointer().isPresent()) {
            return null;
        }
        String valueName = property(value);
        String timestampName = timestamp == null ? null : property(timestamp);
        String sensorName = sensor == null ? null : property(sensor);
        String metricName = metric == null ? null : property(metric);
        if (valueName == null || (timestamp != null && timestampName == null)
                || (sensor != null && sensorName == null) || (metric != null && metricName == null)) {
            return null;
        }
        return new FlatJson(factory, valueName, timestampName, sensorName, metricName,
                mapping.precision().orElse(TimePrecision.MS));
    }

    /** The top-level property a one-step pointer names on an object; null for the root or a deeper pointer. */
    private static String property(JsonPointer pointer) {
        if (pointer.matches() || !pointer.tail().matches()) {
            return null;
        }
        return pointer.getMatchingProperty();
    }

    /** The reading, or null to let the tree decide. */
    Reading read(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        String sensorName = topic.sensor();
        String metricName = topic.metric();
        if ((sensorName == null && sensor == null) || (metricName == null && metric == null)) {
            return null;
        }
        double v = Double.NaN;
        boolean haveValue = false;
        JsonToken tsToken = JsonToken.VALUE_NULL;
        long tsLong = 0;
        double tsDouble = 0;
        String tsText = null;
        try (JsonParser p = factory.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken field;
            while ((field = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                if (name.equals(value)) {
                    if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
                        v = token == JsonToken.VALUE_TRUE ? 1.0 : 0.0;
                    } else if (plainNumber(p, token)) {
                        v = p.getDoubleValue();
                    } else {
                        return null;
                    }
                    haveValue = true;
                } else if (name.equals(timestamp)) {
                    if (token == JsonToken.VALUE_NUMBER_INT && plainNumber(p, token)) {
                        tsLong = p.getLongValue();
                    } else if (token == JsonToken.VALUE_NUMBER_FLOAT && plainNumber(p, token)) {
                        tsDouble = p.getDoubleValue();
                    } else if (token == JsonToken.VALUE_STRING) {
                        tsText = p.getText();
                    } else if (token != JsonToken.VALUE_NULL) {
                        return null;
                    }
                    tsToken = token;
                } else if (sensorName == null && name.equals(sensor)) {
                    sensorName = text(p, token);
                } else if (metricName == null && name.equals(metric)) {
                    metricName = text(p, token);
                } else {
                    p.skipChildren();
                }
            }
            if (field != JsonToken.END_OBJECT) {
                return null;
            }
        } catch (IOException e) {
            // Malformed, too deep, a duplicate key, a number too long: the tree says which, in its words.
            return null;
        }
        if (!haveValue || !Double.isFinite(v) || sensorName == null || metricName == null) {
            return null;
        }
        long ts = switch (tsToken) {
            case VALUE_NUMBER_INT -> precision.toMillis(tsLong);
            case VALUE_NUMBER_FLOAT -> precision.toMillis(tsDouble);
            case VALUE_STRING -> Timestamps.parseIso(tsText);
            default -> receivedAt;
        };
        return new Reading(sensorName, metricName, v, ts, topic.tags(), source, null);
    }

    /** A number a long or a double holds exactly as the tree would read it; big ones are left to the tree. */
    private static boolean plainNumber(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG;
        }
        return token == JsonToken.VALUE_NUMBER_FLOAT && p.getNumberType() == JsonParser.NumberType.DOUBLE;
    }

    /** A non-empty string; null (the tree decides) for anything else, numbers included. */
    private static String text(JsonParser p, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            p.skipChildren();
            return null;
        }
        String text = p.getText();
        return text.isEmpty() ? null : text;
    }
}
