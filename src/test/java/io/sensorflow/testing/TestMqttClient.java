package io.sensorflow.testing;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
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

    /** Publishes at QoS 1 and waits for the broker's PUBACK. */
    public void publish(String topic, String payload) {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
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
