package io.sensorflow.action.webhook;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.action.Template;
import io.sensorflow.config.Section;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.source.http.OutboundGuard;
import io.sensorflow.telemetry.Redact;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Calls an HTTP endpoint for each alert transition: a chat hook, a ticket system, a relay, Home Assistant. The
 * outbox retries what the endpoint may take later (connection errors, timeouts, 5xx, 429 after its
 * {@code Retry-After}) and gives up at once on what it refuses (any other 4xx).
 *
 * @param headers sent with every call; values may come from the environment ({@code ${?SLACK_TOKEN}} in HOCON)
 * @param body    the body template; empty means the preset's body (by default the alert as JSON)
 * @param timeout one call, from connecting to the whole answer
 * @param signer  signs each call as Standard Webhooks say, when a {@code signing-secret} is configured
 */
public record WebhookActionConfig(String name, String method, URI url, Map<String, String> headers,
                                  Optional<Template> body, String contentType, Duration timeout,
                                  ActionLimits limits, Preset preset, Optional<Signer> signer,
                                  OutboundGuard guard)
        implements ActionConfig {

    private static final Set<String> METHODS = Set.of("POST", "PUT", "PATCH");
    /** Headers the action sets itself; a configured one would be sent twice or contradict it. */
    private static final Set<String> OWN_HEADERS = Set.of("content-type", "idempotency-key", "content-length", "host",
            "webhook-id", "webhook-timestamp", "webhook-signature");

    public static WebhookActionConfig parse(Section s) {
        String method = s.string("method").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            s.problem("method", "must be POST, PUT or PATCH, got '" + method + "'");
        }
        URI url = url(s);
        Map<String, String> headers = new LinkedHashMap<>(s.stringMap("headers"));
        for (String header : headers.keySet()) {
            if (OWN_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
                s.problem("headers", "must not set " + header + ": the action sets it (content-type has a key of "
                        + "its own)");
            }
        }
        Optional<Template> body = Optional.empty();
        if (s.has("body")) {
            try {
                body = Optional.of(Template.compile(s.string("body")));
            } catch (IllegalArgumentException e) {
                s.problem("body", e.getMessage());
            }
        }
        Preset preset = s.enumValue("preset", Preset.class, Preset.NONE);
        Optional<Signer> signer = Optional.empty();
        Optional<String> secret = s.optionalString("signing-secret");
        if (secret.isPresent()) {
            try {
                signer = Optional.of(Signer.of(secret.get()));
            } catch (IllegalArgumentException e) {
                s.problem("signing-secret", e.getMessage());
            }
        }
        String contentType = s.optionalString("content-type").orElse(preset.contentType());
        return new WebhookActionConfig(s.name(), method, url, Map.copyOf(headers), body, contentType,
                s.positiveDuration("timeout"), ActionLimits.parse(s), preset, signer,
                OutboundGuard.parse(s.section("guard")));
    }

    private static URI url(Section s) {
        String text = s.string("url");
        try {
            URI url = new URI(text);
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                    || url.getHost() == null) {
                s.problem("url", "must be an http:// or https:// URL with a host, got '" + text + "'");
            }
            return url;
        } catch (java.net.URISyntaxException e) {
            s.problem("url", "is not a URL: " + e.getMessage());
            return URI.create("http://invalid");
        }
    }

    @Override
    public Map<String, String> render(AlertEvent event) {
        return Map.of("method", method, "url", shownUrl(), "body", body(event));
    }

    @Override
    public String toString() {
        // The headers may hold tokens and the signer a secret: neither goes into a log line. Nor does the URL's
        // query, where some services take their key.
        return "webhook " + name + " (" + method + " " + shownUrl() + ")";
    }

    /** The URL as logs, dead letters and the API show it: user info and query values hidden. */
    String shownUrl() {
        return Redact.url(url);
    }

    String body(AlertEvent event) {
        return body.map(t -> t.render(event)).orElseGet(() -> preset.body(event));
    }

    /** The preset's headers for this event, then the configured ones, which win. */
    Map<String, String> headers(AlertEvent event) {
        Map<String, String> presetHeaders = preset.headers(event);
        if (presetHeaders.isEmpty()) {
            return headers;
        }
        Map<String, String> all = new LinkedHashMap<>(presetHeaders);
        all.putAll(headers);
        return all;
    }

    @Override
    public Action create(ActionContext context) {
        return new WebhookAction(this);
    }
}
