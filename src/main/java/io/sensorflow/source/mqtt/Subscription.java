package io.sensorflow.source.mqtt;

import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicPattern;
import io.sensorflow.config.Section;

import java.util.Optional;

/** One topic pattern of an MQTT source, with the QoS to subscribe at and how its payloads are decoded. */
public record Subscription(TopicPattern topic, int qos, PayloadFormat format, PayloadMapping mapping, PayloadCodec codec) {

    static Subscription parse(Section s) {
        TopicPattern.Result topic = TopicPattern.parse(s.string("topic"));
        if (topic.error() != null && s.has("topic")) {
            s.problem("topic", topic.error());
        }
        int qos = s.integer("qos", 0, 2);
        PayloadFormat format = s.enumValue("format", PayloadFormat.class, PayloadFormat.JSON);
        String value = pointer(s, "value").orElse("/value");
        Optional<String> timestamp = pointer(s, "timestamp");
        Optional<String> sensor = pointer(s, "sensor");
        Optional<String> metric = pointer(s, "metric");
        s.rejectUnknownKeys();
        if (topic.pattern() != null) {
            requireName(s, topic.pattern(), format, "sensor", sensor);
            requireName(s, topic.pattern(), format, "metric", metric);
        }
        PayloadMapping mapping = new PayloadMapping(value, timestamp, sensor, metric);
        return new Subscription(topic.pattern(), qos, format, mapping, format.codec(mapping));
    }

    /** Every reading needs a sensor and a metric: from a topic placeholder, or (for JSON) from the payload. */
    private static void requireName(Section s, TopicPattern topic, PayloadFormat format, String name, Optional<String> pointer) {
        if (topic.hasPlaceholder(name)) {
            return;
        }
        if (format == PayloadFormat.JSON && pointer.isPresent()) {
            return;
        }
        s.problem("topic", "the " + name + " is taken from nowhere: add {" + name + "} to the topic"
                + (format == PayloadFormat.JSON ? " or set " + name + " = \"/json/pointer\"" : ""));
    }

    private static Optional<String> pointer(Section s, String key) {
        Optional<String> pointer = s.optionalString(key);
        pointer.flatMap(PayloadMapping::pointerError).ifPresent(error -> s.problem(key, error));
        return pointer;
    }
}
