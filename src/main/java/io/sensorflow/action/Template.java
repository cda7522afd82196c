package io.sensorflow.action;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Mustache template over an alert event, for topics and payloads. Variables: {@code id, rule, sensor, metric,
 * group, tags, value, severity, state, firing, repeat, timestamp, since, time} ({@code time} is ISO-8601) and {@code json}, the whole
 * event as JSON. Output is not HTML-escaped: payloads are JSON or plain text, not HTML.
 */
public final class Template {

    private static final Mustache.Compiler COMPILER = Mustache.compiler().escapeHTML(false);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AlertEvent SAMPLE = new AlertEvent("00000000-0000-0000-0000-000000000000", "rule", "sensor",
            "metric", "", AlertState.FIRING, "warning", 1.0, 0L, 0L, 0L, java.util.Map.of(), java.util.Map.of(), false,
            java.util.List.of(), null);

    private final String text;
    private final com.samskivert.mustache.Template template;

    private Template(String text, com.samskivert.mustache.Template template) {
        this.text = text;
        this.template = template;
    }

    /**
     * Compiles and test-renders a template so that an unknown variable or broken tag is a config error, not a failed
     * action at 3 a.m.
     *
     * @throws IllegalArgumentException with a message for the operator
     */
    public static Template compile(String text) {
        try {
            Template result = new Template(text, COMPILER.compile(text));
            result.render(SAMPLE);
            return result;
        } catch (MustacheException e) {
            throw new IllegalArgumentException("is not a valid template: " + e.getMessage()
                    + " (variables: id, rule, sensor, metric, group, tags, value, severity, state, firing, repeat, timestamp, since, "
                    + "time, json)");
        }
    }

    public String render(AlertEvent event) {
        return template.execute(variables(event));
    }

    /** The event as the JSON object that is the default payload of actions. */
    public static String json(AlertEvent event) {
        try {
            return JSON.writeValueAsString(fields(event));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> fields(AlertEvent event) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", event.id());
        map.put("rule", event.rule());
        map.put("sensor", event.sensor());
        map.put("metric", event.metric());
        map.put("group", event.group());
        map.put("state", event.state().label());
        map.put("firing", event.firing());
        map.put("severity", event.severity());
        map.put("value", event.value());
        map.put("timestamp", event.timestamp());
        map.put("since", event.since());
        map.put("tags", event.tags());
        map.put("repeat", event.repeat());
        return map;
    }

    /**
     * The variables of a template: the event's fields, plus {@code time} and {@code json}, computed only when the
     * template asks for them. A topic like {@code actuators/{{sensor}}/fan} must not pay for rendering the whole event
     * as JSON on every alert.
     */
    private static Mustache.CustomContext variables(AlertEvent event) {
        Map<String, Object> fields = fields(event);
        return name -> switch (name) {
            case "time" -> Instant.ofEpochMilli(event.timestamp()).toString();
            case "json" -> json(event);
            default -> fields.get(name);
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
