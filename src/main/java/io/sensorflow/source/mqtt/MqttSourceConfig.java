package io.sensorflow.source.mqtt;

import io.sensorflow.config.Durations;
import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An MQTT broker connection and what to subscribe to on it.
 *
 * @param sessionExpiry   how long the broker keeps the persistent session (and queues messages) while we are away
 * @param receiveMaximum  how many unacknowledged QoS 1/2 messages the broker may send us at once (MQTT 5 flow control)
 */
public record MqttSourceConfig(String name, String host, int port, String clientId, Optional<String> username,
                               Optional<String> password, Duration sessionExpiry, int receiveMaximum, Duration keepAlive,
                               Duration reconnectMin, Duration reconnectMax, List<Subscription> subscriptions)
        implements SourceConfig {

    private static final long MAX_SESSION_EXPIRY_SECONDS = 4_294_967_295L;

    public static MqttSourceConfig parse(Section s) {
        String url = s.string("url");
        String host = "127.0.0.1";
        int port = 1883;
        try {
            URI uri = new URI(url);
            if (!"tcp".equals(uri.getScheme()) && !"mqtt".equals(uri.getScheme())) {
                s.problem("url", "must start with tcp:// or mqtt://, got '" + url + "'");
            } else if (uri.getHost() == null) {
                s.problem("url", "names no host: '" + url + "'");
            } else {
                host = uri.getHost();
                port = uri.getPort() < 0 ? 1883 : uri.getPort();
            }
        } catch (URISyntaxException e) {
            if (s.has("url")) {
                s.problem("url", "is not a URL: " + e.getMessage());
            }
        }
        String clientId = s.string("client-id");
        if (clientId.isBlank() && s.has("client-id")) {
            s.problem("client-id", "must not be empty: a persistent session needs a stable client id");
        }
        Optional<String> username = s.optionalString("username");
        Optional<String> password = s.optionalString("password");
        if (password.isPresent() && username.isEmpty()) {
            s.problem("password", "is set without a username, and MQTT sends no password alone");
        }
        // A session that expires at once would drop everything published while we are away.
        Duration sessionExpiry = s.positiveDuration("session-expiry");
        if (sessionExpiry.toSeconds() > MAX_SESSION_EXPIRY_SECONDS) {
            s.problem("session-expiry", "must be at most " + MAX_SESSION_EXPIRY_SECONDS + "s (MQTT's limit)");
        }
        int receiveMaximum = s.integer("receive-maximum", 1, 65535);
        Duration keepAlive = s.positiveDuration("keep-alive");
        if (keepAlive.toSeconds() < 1 || keepAlive.toSeconds() > 65535) {
            s.problem("keep-alive", "must be between 1s and 65535s (MQTT counts it in whole seconds), got "
                    + Durations.format(keepAlive));
        }
        Section reconnect = s.section("reconnect");
        Duration reconnectMin = reconnect.positiveDuration("min-backoff");
        Duration reconnectMax = reconnect.positiveDuration("max-backoff");
        reconnect.rejectUnknownKeys();
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            // Point at whichever of the two the user wrote, not at its default in reference.conf.
            String key = reconnect.isUserSet("max-backoff") || !reconnect.isUserSet("min-backoff")
                    ? "max-backoff" : "min-backoff";
            reconnect.problem(key, "max-backoff (" + Durations.format(reconnectMax)
                    + ") must not be shorter than min-backoff (" + Durations.format(reconnectMin) + ")");
        }
        List<Subscription> subscriptions = s.sectionList("subscriptions", s.defaults("subscription")).stream()
                .map(Subscription::parse)
                .toList();
        if (subscriptions.isEmpty() && s.has("subscriptions")) {
            s.problem("subscriptions", "must name at least one topic");
        }
        // Consumed by the loader; read here so that it counts as a known key.
        s.string("type");
        s.rejectUnknownKeys();
        return new MqttSourceConfig(s.name(), host, port, clientId, username, password, sessionExpiry, receiveMaximum,
                keepAlive, reconnectMin, reconnectMax, subscriptions);
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new MqttSource(this, context);
    }

    @Override
    public String toString() {
        return "mqtt source '" + name + "' tcp://" + host + ":" + port + " as " + clientId;
    }
}
