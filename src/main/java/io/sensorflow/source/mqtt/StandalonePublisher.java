package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import io.sensorflow.source.mqtt.MqttSourceConfig;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A publish-only connection to the broker of an mqtt source, for running actions outside the daemon (replay). It
 * uses the source's address and credentials with its own client id ({@code <client-id>-replay}) and a clean
 * session, so it never takes over the daemon's session.
 */
public final class StandalonePublisher implements MqttPublisher, AutoCloseable {

    private final Mqtt5AsyncClient client;

    private StandalonePublisher(Mqtt5AsyncClient client) {
        this.client = client;
    }

    /** Connects, waiting at most {@code timeout}. @throws IllegalStateException if the broker cannot be reached */
    public static StandalonePublisher connect(MqttSourceConfig source, Duration timeout) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5()
                .identifier(source.clientId() + "-replay")
                .serverHost(source.host())
                .serverPort(source.port())
                .buildAsync();
        Mqtt5ConnectBuilder.Send<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>>
                connect = client.connectWith().cleanStart(true);
        if (source.username().isPresent()) {
            connect = connect.simpleAuth().username(source.username().get())
                    .password(source.password().orElse("").getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        try {
            connect.send().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot connect to the broker of source " + source.name() + " at "
                    + source.host() + ":" + source.port() + ": " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
        return new StandalonePublisher(client);
    }

    @Override
    public CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout) {
        return MqttPublisher.publish(client, topic, payload, qos, retain, timeout);
    }

    @Override
    public void close() {
        client.disconnect().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
