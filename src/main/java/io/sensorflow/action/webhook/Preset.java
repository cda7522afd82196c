package io.sensorflow.action.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.action.Template;
import io.sensorflow.model.AlertEvent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bodies the receivers users reach most expect, built in code so that a sensor name with a quote in it still makes
 * valid JSON. A configured {@code body} replaces the preset's; its headers stay.
 */
enum Preset {

    /** The alert as JSON, as every action's default payload. */
    NONE("application/json"),
    /** Slack incoming webhooks and the many tools that accept their shape (Mattermost, Rocket.Chat, Zulip). */
    SLACK("application/json"),
    /** A Microsoft Teams workflow ("post to a channel when a webhook request is received"): one Adaptive Card. */
    TEAMS("application/json"),
    DISCORD("application/json"),
    /** ntfy.sh or a self-hosted ntfy: the text as the body, title, priority and tags as headers. */
    NTFY("text/plain; charset=utf-8"),
    /** A Home Assistant webhook trigger ({@code /api/webhook/<id>}): the alert as JSON, for automations to read. */
    HOME_ASSISTANT("application/json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String contentType;

    Preset(String contentType) {
        this.contentType = contentType;
    }

    String contentType() {
        return contentType;
    }

    /** One line a person reads on a phone: what, where, how much. */
    static String summary(AlertEvent event) {
        String what = event.repeat() ? "STILL FIRING" : event.state().label().toUpperCase(Locale.ROOT);
        String where = event.sensor().isEmpty() ? event.group() : event.sensor();
        return "[" + what + "] " + event.rule() + " on " + where + (event.metric().isEmpty() ? "" : " "
                + event.metric()) + " = " + number(event.value()) + " (" + event.severity() + ")";
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    String body(AlertEvent event) {
        return switch (this) {
            case NONE, HOME_ASSISTANT -> Template.json(event);
            case SLACK -> json(Map.of("text", summary(event)));
            case DISCORD -> json(Map.of("content", summary(event)));
            case NTFY -> summary(event);
            case TEAMS -> {
                Map<String, Object> text = new LinkedHashMap<>();
                text.put("type", "TextBlock");
                text.put("text", summary(event));
                text.put("wrap", true);
                Map<String, Object> card = new LinkedHashMap<>();
                card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
                card.put("type", "AdaptiveCard");
                card.put("version", "1.4");
                card.put("body", List.of(text));
                Map<String, Object> message = new LinkedHashMap<>();
                message.put("type", "message");
                message.put("attachments", List.of(Map.of("contentType", "application/vnd.microsoft.card.adaptive",
                        "content", card)));
                yield json(message);
            }
        };
    }

    /** Headers the preset adds to the configured ones (which win). */
    Map<String, String> headers(AlertEvent event) {
        if (this != NTFY) {
            return Map.of();
        }
        boolean firing = event.firing();
        return Map.of("Title", "sensorflow: " + event.rule() + " " + (firing ? "firing" : "resolved"),
                "Priority", firing && event.severity().equals("critical") ? "urgent" : firing ? "high" : "default",
                "Tags", firing ? "warning" : "white_check_mark");
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
