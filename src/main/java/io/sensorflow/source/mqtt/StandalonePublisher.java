package io.sensorflow.source.mqtt;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A publish-only connection to the broker of an mqtt source, for running actions outside the daemon (replay). It
 * uses the source's address, protocol version, TLS and credentials with its own client id ({@code <client-id>-replay})
 * and a clean session, so it never takes over the daemon's session.
 */
public final class StandalonePublisher implements MqttPublisher, AutoCloseable {

    private final MqttLink link;

    private StandalonePublisher(MqttLink link) {
        this.link = link;
    }

    /** Connects, waiting at most {@code timeout}. @throws IllegalStateException if the broker cannot be reached */
    public static StandalonePublisher connect(MqttSourceConfig source, Duration timeout) {
        MqttLink link = MqttLink.create(source, source.clientId() + "-replay", null);
        try {
            link.connect(true, source.receiveMaximum()).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).blockingGet();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot connect to the broker of source " + source.name() + " at "
                    + source.host() + ":" + source.port() + ": " + cause.getMessage(), e);
        }
        return new StandalonePublisher(link);
    }

    @Override
    public CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                         java.util.Map<String, String> properties) {
        return link.publish(topic, payload, qos, retain, timeout, properties);
    }

    @Override
    public void close() {
        link.disconnect().timeout(5, TimeUnit.SECONDS).onErrorComplete().blockingAwait();
    }
}
