package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a broker that mqtt actions publish through: in the daemon, the connection of an mqtt source (one
 * session per broker); in a replay with {@code --execute-actions}, a {@link StandalonePublisher}.
 */
public interface MqttPublisher {

    /** Completes when the broker has the message (QoS 1/2) or it is sent (QoS 0); fails, never hangs, otherwise. */
    default CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout) {
        return publish(topic, payload, qos, retain, timeout, Map.of());
    }

    /**
     * As {@link #publish(String, byte[], int, boolean, Duration)}, with MQTT 5 user properties ({@code
     * idempotency-key} for actions); an MQTT 3.1.1 connection has no properties and sends the message without them.
     */
    CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                  Map<String, String> properties);

    /** Publishes with a connected client, turning a broker's refusal into a failed stage. */
    static CompletionStage<Void> publish(Mqtt5AsyncClient client, String topic, byte[] payload, int qos, boolean retain,
                                         Duration timeout, Map<String, String> properties) {
        var builder = client.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain).payload(payload);
        if (!properties.isEmpty()) {
            var user = Mqtt5UserProperties.builder();
            properties.forEach(user::add);
            builder.userProperties(user.build());
        }
        return builder.send()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(result -> {
                    if (result.getError().isPresent()) {
                        throw new IllegalStateException(result.getError().get().getMessage(), result.getError().get());
                    }
                    return null;
                });
    }
}
