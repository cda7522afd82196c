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
    /** Per 100 ms of the timed window (by arrival): how many arrived, and the slowest, to see what a tail is made of. */
    private final long[] slotCount = new long[SLOTS];
    private final long[] slotMaxMicros = new long[SLOTS];
    private static final int SLOTS = 6000;
    private volatile long timingStartNanos;
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
                    long micros = Math.max(0, Math.min((now - sent) / 1000, 59_000_000L));
                    int slot = (int) Math.min(SLOTS - 1, (now - timingStartNanos) / 100_000_000L);
                    synchronized (latencyMicros) {
                        latencyMicros.recordValue(micros);
                        slotCount[slot]++;
                        slotMaxMicros[slot] = Math.max(slotMaxMicros[slot], micros);
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
            java.util.Arrays.fill(slotCount, 0);
            java.util.Arrays.fill(slotMaxMicros, 0);
        }
        timingStartNanos = System.nanoTime();
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

    /**
     * The 100 ms slots of the timed window whose slowest arrival took longer than {@code overMillis}, as
     * "t=12.3s n=40 max=97ms": a few long stalls and a steady trickle of slow ones have different causes.
     */
    java.util.List<String> slowSlots(double overMillis) {
        java.util.List<String> slow = new java.util.ArrayList<>();
        synchronized (latencyMicros) {
            for (int i = 0; i < SLOTS; i++) {
                if (slotMaxMicros[i] > overMillis * 1000) {
                    slow.add(String.format(java.util.Locale.ROOT, "t=%.1fs n=%d max=%.0fms", i / 10.0, slotCount[i],
                            slotMaxMicros[i] / 1000.0));
                }
            }
        }
        return slow;
    }

    @Override
    public void close() {
        client.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
