package io.sensorflow.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator: JSON readings for {@code sensors} sensors named {@code s-00000...}, about 10 % of them above
 * 30, each carrying its event time ({@code ts}, ms) and its send time ({@code n}, System.nanoTime) for latency.
 * Publishes either as fast as the broker takes them or at a fixed rate, with a bounded number in flight.
 */
final class Load implements AutoCloseable {

    static final String TOPIC_PREFIX = "sensors/";
    private static final int IN_FLIGHT = 1000;

    private final Mqtt5AsyncClient client;
    private final int sensors;
    /** 0: random values; n: each sensor above 30 for n readings, then below 28 for n (a transition every n). */
    private final int flipEvery;
    private final SplittableRandom random = new SplittableRandom(7);
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final byte[][] topics;
    private long sequence;

    Load(String host, int port, int sensors) {
        this(host, port, sensors, 0);
    }

    Load(String host, int port, int sensors, int flipEvery) {
        this.sensors = sensors;
        this.flipEvery = flipEvery;
        this.client = MqttClient.builder().useMqttVersion5().identifier("bench-load-" + UUID.randomUUID())
                .serverHost(host).serverPort(port).buildAsync();
        client.connect().orTimeout(10, TimeUnit.SECONDS).join();
        this.topics = new byte[sensors][];
        for (int i = 0; i < sensors; i++) {
            topics[i] = (TOPIC_PREFIX + sensor(i) + "/temperature").getBytes(StandardCharsets.UTF_8);
        }
    }

    static String sensor(int i) {
        return String.format("s-%05d", i);
    }

    /** The reading a sensor sends next: 20-29 most of the time, 31-35 one time in ten. */
    private double nextValue() {
        return random.nextInt(10) == 0 ? 31 + random.nextInt(5) : 20 + random.nextInt(10);
    }

    /**
     * Publishes {@code count} readings; {@code rate <= 0} means as fast as possible.
     *
     * @param deadline give up after this long (the load loop is always bounded in time)
     * @return how many were published
     */
    long publish(long count, int rate, MqttQos qos, Duration deadline, Sent sent) throws InterruptedException {
        long start = System.nanoTime();
        long stopAt = start + deadline.toNanos();
        long interval = rate > 0 ? 1_000_000_000L / rate : 0;
        long published = 0;
        for (long i = 0; i < count; i++) {
            if (interval > 0) {
                long due = start + i * interval;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 200_000));
                }
            }
            if (System.nanoTime() > stopAt) {
                break;
            }
            long round = sequence / sensors;
            int sensor = (int) (sequence++ % sensors);
            long ts = System.currentTimeMillis();
            long nanos = System.nanoTime();
            double value = flipEvery > 0 ? (round / flipEvery % 2 == 0 ? 35 : 20) : nextValue();
            String payload = "{\"value\":" + value + ",\"ts\":" + ts + ",\"n\":" + nanos + "}";
            if (sent != null) {
                sent.record(sensor(sensor), ts, nanos);
            }
            inFlight.acquire();
            client.publishWith().topic(new String(topics[sensor], StandardCharsets.UTF_8)).qos(qos)
                    .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                    .whenComplete((r, e) -> inFlight.release());
            published++;
        }
        inFlight.acquire(IN_FLIGHT);
        inFlight.release(IN_FLIGHT);
        return published;
    }

    @Override
    public void close() {
        client.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Remembers when each reading was sent, to time the alert it causes. */
    interface Sent {
        void record(String sensor, long ts, long nanos);
    }
}
