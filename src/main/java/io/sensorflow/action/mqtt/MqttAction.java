package io.sensorflow.action.mqtt;

import io.sensorflow.action.Action;
import io.sensorflow.source.mqtt.MqttPublisher;
import io.sensorflow.model.AlertEvent;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** See {@link MqttActionConfig}. */
final class MqttAction implements Action {

    private final MqttActionConfig config;
    private final MqttPublisher connection;
    private final Duration timeout;

    MqttAction(MqttActionConfig config, MqttPublisher connection, Duration timeout) {
        this.config = config;
        this.connection = connection;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event) {
        return execute(event, io.sensorflow.store.Delivery.idempotencyKey(event, config.name()));
    }

    /** Publishes with the delivery's key as the MQTT 5 user property {@code idempotency-key}. */
    @Override
    public CompletionStage<Void> execute(AlertEvent event, String idempotencyKey) {
        String topic;
        byte[] payload;
        try {
            java.util.Map<String, String> rendered = config.render(event);
            topic = rendered.get("topic");
            payload = rendered.get("payload").getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return connection.publish(topic, payload, config.qos(), config.retain(), timeout,
                java.util.Map.of("idempotency-key", idempotencyKey));
    }
}
