package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.config.Durations;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceChecks;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An MQTT broker connection and what to subscribe to on it.
 *
 * @param version         the protocol: MQTT 5, or 3.1.1 for brokers and bridges that speak nothing newer
 * @param tls             TLS settings when the URL is {@code ssl://} or {@code mqtts://}
 * @param shareGroup      subscribe as a member of this MQTT 5 shared subscription group ({@code $share/<group>/...}),
 *                        so that daemons with the same group split the messages between them
 * @param sessionExpiry   how long the broker keeps the persistent session (and queues messages) while we are away
 * @param receiveMaximum  how many unacknowledged QoS 1/2 messages the broker may send us at once (MQTT 5 flow control)
 */
public record MqttSourceConfig(String name, String host, int port, String clientId, Optional<String> username,
                               Optional<String> password, Duration sessionExpiry, int receiveMaximum, Duration keepAlive,
                               Duration reconnectMin, Duration reconnectMax, List<Subscription> subscriptions,
                               Version version, Optional<MqttClientSslConfig> tls, Optional<String> shareGroup)
        implements SourceConfig {

    /** The protocol versions the client speaks. */
    public enum Version {
        V5("5"), V3_1_1("3.1.1");

        private final String label;

        Version(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final java.util.Set<String> PLAIN = java.util.Set.of("tcp", "mqtt");
    private static final java.util.Set<String> SECURE = java.util.Set.of("ssl", "mqtts", "tls");

    private static final long MAX_SESSION_EXPIRY_SECONDS = 4_294_967_295L;

    public static MqttSourceConfig parse(Section s, Registry<PayloadFormat> formats) {
        String url = s.string("url");
        String host = "127.0.0.1";
        int port = 1883;
        boolean secure = false;
        try {
            URI uri = new URI(url);
            if (!PLAIN.contains(uri.getScheme()) && !SECURE.contains(uri.getScheme())) {
                s.problem("url", "must start with tcp:// or mqtt://, or ssl:// or mqtts:// for TLS, got '" + url + "'");
            } else if (uri.getHost() == null) {
                s.problem("url", "names no host: '" + url + "'");
            } else {
                secure = SECURE.contains(uri.getScheme());
                host = uri.getHost();
                port = uri.getPort() < 0 ? (secure ? 8883 : 1883) : uri.getPort();
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
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            // Point at whichever of the two the user wrote, not at its default in reference.conf.
            String key = reconnect.isUserSet("max-backoff") || !reconnect.isUserSet("min-backoff")
                    ? "max-backoff" : "min-backoff";
            reconnect.problem(key, "max-backoff (" + Durations.format(reconnectMax)
                    + ") must not be shorter than min-backoff (" + Durations.format(reconnectMin) + ")");
        }
        Version version = switch (s.string("version")) {
            case "5", "5.0" -> Version.V5;
            case "3.1.1", "3" -> Version.V3_1_1;
            default -> {
                s.problem("version", "must be 5 or \"3.1.1\", got '" + s.string("version") + "'");
                yield Version.V5;
            }
        };
        Optional<MqttClientSslConfig> tls = Optional.empty();
        if (s.has("tls")) {
            Section t = s.section("tls");
            Path ca = t.optionalString("ca").map(Path::of).orElse(null);
            Path cert = t.optionalString("cert").map(Path::of).orElse(null);
            Path key = t.optionalString("key").map(Path::of).orElse(null);
            if (!secure) {
                t.problem("ca", "tls is set, but the url is not ssl:// or mqtts://, so the connection would not use it");
            } else if ((cert == null) != (key == null)) {
                t.problem(cert == null ? "key" : "cert", "a client certificate needs both cert and key");
            } else {
                try {
                    tls = Optional.of(MqttTls.config(ca, cert, key));
                } catch (MqttTls.TlsFileException e) {
                    t.problem(e.option(), e.getMessage());
                }
            }
        } else if (secure) {
            try {
                tls = Optional.of(MqttTls.config(null, null, null));
            } catch (MqttTls.TlsFileException e) {
                s.problem("url", e.getMessage());
            }
        }
        Optional<String> shareGroup = s.optionalString("share-group").filter(g -> !g.isEmpty());
        shareGroup.ifPresent(group -> {
            if (group.contains("/") || group.contains("+") || group.contains("#")) {
                s.problem("share-group", "must not contain /, + or #, got '" + group + "'");
            }
        });
        List<Subscription> subscriptions = s.sectionList("subscriptions", "subscription").stream()
                .map(sub -> Subscription.parse(sub, formats))
                .toList();
        if (shareGroup.isPresent()) {
            subscriptions.stream().map(Subscription::format).filter(f -> f.notShareable().isPresent()).findFirst()
                    .ifPresent(f -> s.problem("share-group", "cannot be used with format = " + f.name() + ": "
                            + f.notShareable().get()));
        }
        if (subscriptions.isEmpty() && s.has("subscriptions")) {
            s.problem("subscriptions", "must name at least one topic");
        }
        return new MqttSourceConfig(s.name(), host, port, clientId, username, password, sessionExpiry, receiveMaximum,
                keepAlive, reconnectMin, reconnectMax, subscriptions, version, tls, shareGroup);
    }

    /** This source as a member of {@code group}, unless it names a group of its own. */
    public MqttSourceConfig sharedByDefault(String group) {
        return shareGroup.isPresent() ? this : new MqttSourceConfig(name, host, port, clientId, username, password,
                sessionExpiry, receiveMaximum, keepAlive, reconnectMin, reconnectMax, subscriptions, version, tls,
                Optional.of(group));
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new MqttSource(this, context);
    }

    /** Two sources with one client id on one broker would take the session from each other, forever. */
    @Override
    public SourceConfig check(SourceChecks checks) {
        checks.before().values().stream()
                .filter(other -> other instanceof MqttSourceConfig mqtt && mqtt.host().equals(host)
                        && mqtt.port() == port && mqtt.clientId().equals(clientId))
                .findFirst()
                .ifPresent(other -> checks.section().problem("client-id", "'" + clientId + "' is also the client id "
                        + "of source '" + other.name() + "' on the same broker; each needs its own"));
        return this;
    }

    /** Mqtt actions publish through this source's connection. */
    @Override
    public boolean offers(Class<?> capability) {
        return capability == MqttPublisher.class;
    }

    @Override
    public Optional<AutoCloseable> standalone(Class<?> capability, Duration timeout) {
        return offers(capability) ? Optional.of(StandalonePublisher.connect(this, timeout)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "mqtt source '" + name + "' " + (tls.isPresent() ? "ssl" : "tcp") + "://" + host + ":" + port
                + " MQTT " + version.label() + " as " + clientId + shareGroup.map(g -> " in share group " + g).orElse("");
    }
}
