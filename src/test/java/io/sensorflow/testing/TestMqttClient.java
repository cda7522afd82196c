package io.sensorflow.testing;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain MQTT client playing the sensors and the actuators in tests. */
public final class TestMqttClient implements AutoCloseable {

    /** A message the test received, with the nanoTime of its arrival for latency figures and its user properties. */
    public record Received(String topic, String payload, long receivedNanos, java.util.Map<String, String> properties) {
    }

    private final Mqtt5AsyncClient client;

    public TestMqttClient(MosquittoBroker broker) {
        client = MqttClient.builder().useMqttVersion5().identifier("test-" + UUID.randomUUID())
                .serverHost(broker.host()).serverPort(broker.port()).buildAsync();
        client.connect().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private TestMqttClient(Mqtt5AsyncClient client) {
        this.client = client;
    }

    /**
     * A client that outlives a broker restart: a persistent session named {@code id} (clean start false, kept for
     * five minutes) and automatic reconnects. While it is away its publishes wait in the client and go out, with the
     * unacknowledged ones again, once it is back; a broker that kept the session (see
     * {@link MosquittoBroker#withPersistence()}) keeps its subscriptions and queues their messages meanwhile.
     */
    public static TestMqttClient persistent(MosquittoBroker broker, String id) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost(broker.host()).serverPort(broker.port())
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .buildAsync();
        client.connectWith().cleanStart(false).sessionExpiryInterval(300).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
        return new TestMqttClient(client);
    }

    /** Publishes at QoS 1 and waits for the broker's PUBACK. */
    public void publish(String topic, String payload) {
        publishBytes(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes raw bytes at QoS 1 and waits for the broker's PUBACK. */
    public void publishBytes(String topic, byte[] payload) {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Publishes at QoS 1; completes at the broker's PUBACK, fails if the broker refused the message or
     * {@code timeout} passed first (the message may still go out later: a retry may duplicate it).
     */
    public CompletableFuture<Void> publishAsync(String topic, String payload, Duration timeout) {
        return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenAccept(result -> result.getError().ifPresent(error -> {
                    throw new IllegalStateException("the broker refused " + topic + ": " + error, error);
                }));
    }

    /** Subscribes and returns the queue the messages arrive in. */
    public BlockingQueue<Received> subscribe(String filter) {
        BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> {
                    java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();
                    p.getUserProperties().asList().forEach(u -> properties.put(u.getName().toString(),
                            u.getValue().toString()));
                    queue.add(new Received(p.getTopic().toString(),
                            new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), System.nanoTime(), properties));
                })
                .send().orTimeout(10, TimeUnit.SECONDS).join();
        return queue;
    }

    @Override
    public void close() {
        client.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
