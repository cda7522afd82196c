package io.sensorflow.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A subscriber that counts and times what arrives: either readings (the broker's limit: latency from the reading's
 * send time) or alerts (sensorflow: latency from the send time of the reading that caused the alert).
 */
final class Receiver implements AutoCloseable, Load.Sent {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Mqtt5AsyncClient client;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    private final Histogram latencyMicros = new Histogram(60_000_000L, 3);
    private final ConcurrentHashMap<String, Long> sentNanos = new ConcurrentHashMap<>();
    private volatile long firstNanos;
    private volatile long lastNanos;
    private volatile boolean timing;

    Receiver(String host, int port, String filter, MqttQos qos, boolean alerts) {
        client = MqttClient.builder().useMqttVersion5().identifier("bench-rx-" + UUID.randomUUID())
                .serverHost(host).serverPort(port).buildAsync();
        client.connect().orTimeout(10, TimeUnit.SECONDS).join();
        client.subscribeWith().topicFilter(filter).qos(qos).callback(publish -> {
            long now = System.nanoTime();
            if (count.getAndIncrement() == 0) {
                firstNanos = now;
            }
            lastNanos = now;
            if (!timing) {
                return;
            }
            try {
                JsonNode payload = JSON.readTree(publish.getPayloadAsBytes());
                Long sent = alerts
                        ? sentNanos.remove(payload.path("sensor").asText() + "@" + payload.path("timestamp").asLong())
                        : Long.valueOf(payload.path("n").asLong());
                if (sent == null) {
                    unmatched.incrementAndGet();
                } else {
                    synchronized (latencyMicros) {
                        latencyMicros.recordValue(Math.max(0, Math.min((now - sent) / 1000, 59_000_000L)));
                    }
                }
            } catch (IOException e) {
                unmatched.incrementAndGet();
            }
        }).send().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Override
    public void record(String sensor, long ts, long nanos) {
        if (timing) {
            sentNanos.put(sensor + "@" + ts, nanos);
        }
    }

    /** Starts a timed window: latencies are recorded from now on, earlier ones are forgotten. */
    void startTiming() {
        synchronized (latencyMicros) {
            latencyMicros.reset();
        }
        sentNanos.clear();
        unmatched.set(0);
        timing = true;
    }

    void stopTiming() {
        timing = false;
    }

    long count() {
        return count.get();
    }

    void resetCount() {
        count.set(0);
    }

    long lastNanos() {
        return lastNanos;
    }

    Histogram latency() {
        synchronized (latencyMicros) {
            return latencyMicros.copy();
        }
    }

    @Override
    public void close() {
        client.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
