package io.sensorflow.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.reactivex.schedulers.Schedulers;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A subscriber that counts and times what arrives: either readings (the broker's limit: latency from the reading's
 * send time) or alerts (sensorflow: latency from the send time of the reading that caused the alert).
 */
final class Receiver implements AutoCloseable, Load.Sent {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Mqtt5AsyncClient client;
    private final String threadPrefix;
    private final ExecutorService netty;
    private final ExecutorService callbacks;
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
        String id = "bench-rx-" + UUID.randomUUID();
        threadPrefix = id + "-";
        // Threads of its own, named, so that their CPU is this subscriber's alone: the generator's client shares
        // the harness's JVM.
        netty = Executors.newFixedThreadPool(1, named(threadPrefix + "netty"));
        // What the client still hands over after its disconnect (the end of the subscription) is dropped, not
        // reported as a rejected task.
        callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named(threadPrefix + "callbacks"), new ThreadPoolExecutor.DiscardPolicy());
        client = MqttClient.builder().useMqttVersion5().identifier(id)
                .executorConfig().nettyExecutor(netty).nettyThreads(1)
                .applicationScheduler(Schedulers.from(callbacks)).applyExecutorConfig()
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
        netty.shutdown();
        callbacks.shutdown();
    }

    /** CPU seconds this subscriber's threads (its client's network thread and its callbacks) have used. */
    double cpuSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(threadPrefix)) {
                nanos += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return nanos / 1e9;
    }

    private static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
