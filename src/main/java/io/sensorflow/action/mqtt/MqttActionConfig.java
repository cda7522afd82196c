package io.sensorflow.action.mqtt;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionChecks;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.action.Template;
import io.sensorflow.config.Section;
import io.sensorflow.source.mqtt.MqttPublisher;

import java.util.Optional;

/**
 * Publishes a command to an actuator through the connection of a named {@code mqtt} source.
 *
 * @param payload the payload template; empty means the alert as JSON
 */
public record MqttActionConfig(String name, String sourceName, Template topic, Optional<Template> payload, int qos,
                               boolean retain, ActionLimits limits) implements ActionConfig {

    public static MqttActionConfig parse(Section s) {
        String source = s.string("source");
        Template topic = template(s, "topic");
        Optional<Template> payload = s.has("payload") ? Optional.ofNullable(template(s, "payload")) : Optional.empty();
        int qos = s.integer("qos", 0, 2);
        boolean retain = s.bool("retain");
        return new MqttActionConfig(s.name(), source, topic, payload, qos, retain, ActionLimits.parse(s));
    }

    private static Template template(Section s, String key) {
        String text = s.string(key);
        try {
            return Template.compile(text);
        } catch (IllegalArgumentException e) {
            s.problem(key, e.getMessage());
            return null;
        }
    }

    @Override
    public void check(ActionChecks checks) {
        checks.requireSource("source", sourceName, MqttPublisher.class, "an mqtt source");
    }

    @Override
    public java.util.Map<String, String> render(io.sensorflow.model.AlertEvent event) {
        return java.util.Map.of("topic", topic.render(event),
                "payload", payload.map(t -> t.render(event)).orElseGet(() -> Template.json(event)));
    }

    @Override
    public Action create(ActionContext context) {
        // The loader has checked that the source exists and is an mqtt source.
        return new MqttAction(this, context.connection(name, sourceName, MqttPublisher.class), context.timeout());
    }
}
