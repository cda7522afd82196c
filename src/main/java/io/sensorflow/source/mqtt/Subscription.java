package io.sensorflow.source.mqtt;

import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.PayloadSpec;
import io.sensorflow.codec.TopicPattern;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;

/** One topic pattern of an MQTT source, with the QoS to subscribe at and how its payloads are decoded. */
public record Subscription(TopicPattern topic, int qos, PayloadFormat format, PayloadMapping mapping, PayloadCodec codec) {

    static Subscription parse(Section s, Registry<PayloadFormat> formats) {
        TopicPattern.Result topic = TopicPattern.parse(s.string("topic"));
        if (topic.error() != null && s.has("topic")) {
            s.problem("topic", topic.error());
        }
        int qos = s.integer("qos", 0, 2);
        PayloadSpec payload = PayloadSpec.parse(s, formats);
        if (topic.pattern() != null) {
            requireName(s, topic.pattern(), payload, "sensor");
            requireName(s, topic.pattern(), payload, "metric");
        }
        return new Subscription(topic.pattern(), qos, payload.format(), payload.mapping(), payload.codec());
    }

    /** Every reading needs a sensor and a metric: from a topic placeholder, the payload's own names, or a pointer. */
    private static void requireName(Section s, TopicPattern topic, PayloadSpec payload, String name) {
        PayloadFormat format = payload.format();
        if (topic.hasPlaceholder(name) || format.namesItself()) {
            return;
        }
        boolean pointer = name.equals("sensor") ? payload.mapping().sensor().isPresent()
                : payload.mapping().metric().isPresent();
        if (format.namesByPointer() && pointer) {
            return;
        }
        s.problem("topic", "the " + name + " is taken from nowhere: add {" + name + "} to the topic"
                + (format.namesByPointer() ? " or set " + name + " = \"/json/pointer\"" : ""));
    }
}
