package io.sensorflow;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MQTT commands across a broker restart under load: the broker goes away while the outbox is sending the commands
 * of many flapping alerts, and every command a committed transition requires still reaches a real subscriber.
 */
class ActionBrokerRestartIT {

    private static final int SENSORS = 200;
    /** Readings per sensor, alternately hot and cold: each one is a transition, so one command. */
    private static final int ROUNDS = 10;
    private static final int COMMANDS = SENSORS * ROUNDS;
    /**
     * The load's pace: a round every this often, so that it runs before, during and after the outage rather than
     * reaching the daemon all at once.
     */
    private static final Duration ROUND_EVERY = Duration.ofMillis(300);
    /** The broker stops once this many commands arrived: a quarter into the fourth round's, with most still to go. */
    private static final int STOP_AFTER = 3 * SENSORS + SENSORS / 4;
    /** The least outage: longer than the daemon's reconnect backoff, so that the outbox meets a broker that is away. */
    private static final Duration OUTAGE = Duration.ofSeconds(3);

    /**
     * A broker that saves its sessions, as docker/mosquitto.conf has it in production. It keeps the subscriber's
     * session (its subscription and the commands queued for it) across the restart: without that, a command the
     * broker accepted just before it stopped, or before the subscriber was back, would be lost by the broker to the
     * subscriber, which says nothing about the daemon. The daemon's own guarantee does not lean on it: a command in
     * flight at the stop is sent again from the outbox on a new connection, never resent by the broker's session.
     */
    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker(new MosquittoBroker().withPersistence());

    @Test
    void everyCommandAnAlertRequiresArrivesThoughTheBrokerRestartsUnderLoad(TestConfig test) throws Exception {
        // Short retries, timeout and breaker reset, so that the outbox is back within a second of the broker instead
        // of the production defaults' 30 s breaker; max-attempts stays 10, which the outage must not use up.
        TestConfig config = test.named("broker-restart-it").with("""
                pipeline {
                  action-timeout = 2s
                  action-retry { first-backoff = 200ms, max-backoff = 1s }
                  action-breaker { max-failures = 5, reset-timeout = 1s }
                }
                """);
        Path db = config.db();
        // Past event times a second apart: readings of one sensor in order, none in the future.
        long t0 = System.currentTimeMillis() - 60_000;
        try (TestMqttClient actuators = TestMqttClient.persistent(DAEMONS.broker(), "actuators-" + config.name());
             TestMqttClient sensors = TestMqttClient.persistent(DAEMONS.broker(), "sensors-" + config.name())) {
            BlockingQueue<TestMqttClient.Received> commands = actuators.subscribe("actuators/#");
            Daemon daemon = DAEMONS.start(config);
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> publishRounds(sensors, t0));

            await("the commands are flowing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2))
                    .until(() -> commands.size() >= STOP_AFTER || load.isCompletedExceptionally());
            DAEMONS.broker().stop();
            // The attempts in flight at the stop time out meanwhile (action-timeout) and new ones fail at once; the
            // last assertion checks that some did.
            await("the daemon sees the outage").pollDelay(OUTAGE).atMost(Duration.ofSeconds(10))
                    .until(() -> Http.get(daemon.httpPort(), "/health/ready").status() == 503);
            DAEMONS.broker().start();
            load.get(40, TimeUnit.SECONDS);

            // Every reading stored made its transition, and every transition its delivery to the fan.
            await("every transition committed").atMost(Duration.ofSeconds(20))
                    .until(() -> Sql.count(db, "SELECT count(*) FROM deliveries") == COMMANDS);
            await("the outbox drained").atMost(Duration.ofSeconds(30))
                    .until(() -> Sql.count(db, "SELECT count(*) FROM deliveries WHERE status = 'pending'") == 0);
            assertThat(Sql.count(db, "SELECT count(*) FROM deliveries WHERE status = 'failed'")).as("failed")
                    .isZero();
            Set<String> transitions = new HashSet<>(Sql.strings(db, "SELECT episode || ':' || state || ':' || ts "
                    + "|| ':fan' FROM alert_events WHERE rule = 'too-hot' AND state IN ('firing', 'resolved')"));
            Set<String> deliveries = new HashSet<>(Sql.strings(db, "SELECT episode || ':' || state || ':' || ts "
                    + "|| ':' || action FROM deliveries WHERE status = 'done'"));
            assertThat(transitions).as("transitions").hasSize(COMMANDS);
            assertThat(deliveries).as("one delivery done per transition").isEqualTo(transitions);

            Map<String, Integer> arrived = new HashMap<>();
            List<String> wrong = new ArrayList<>();
            await("every command arrived").atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                drain(commands, arrived, wrong);
                Set<String> missing = new HashSet<>(deliveries);
                missing.removeAll(arrived.keySet());
                assertThat(missing).as("%d of %d commands never reached the subscriber", missing.size(),
                        deliveries.size()).isEmpty();
            });
            int received = arrived.values().stream().mapToInt(Integer::intValue).sum();
            long retried = Sql.count(db, "SELECT count(*) FROM deliveries WHERE attempts > 1");
            System.out.printf("%s: %d commands, %d received, %d duplicates, %d deliveries needed a retry%n",
                    getClass().getSimpleName(), deliveries.size(), received, received - arrived.size(), retried);
            assertThat(wrong).as("commands with the wrong topic or payload for their key").isEmpty();
            assertThat(arrived.keySet()).as("commands no transition required").isEqualTo(deliveries);
            // Without this the outage could have struck between two rounds' commands and proved nothing.
            assertThat(retried).as("deliveries whose attempt failed on the outage").isPositive();
        }
    }

    /**
     * Each sensor's readings, a second apart in event time, hot and cold by turns: round {@code r} publishes one to
     * every sensor. A round waits for its PUBACKs, so one sensor's readings never overtake each other; a publish
     * that fails (the broker was away too long) goes again, which the store takes as the same reading.
     */
    private static void publishRounds(TestMqttClient sensors, long t0) {
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            long wait = start + round * ROUND_EVERY.toNanos() - System.nanoTime();
            if (wait > 0) {
                // Pacing the load, not waiting for a condition.
                sleep(TimeUnit.NANOSECONDS.toMillis(wait));
            }
            String reading = "{\"value\": " + (round % 2 == 0 ? 35 : 20) + ", \"ts\": " + (t0 + round * 1000L) + "}";
            List<String> topics = new ArrayList<>();
            for (int sensor = 0; sensor < SENSORS; sensor++) {
                topics.add("sensors/s" + sensor + "/temperature");
            }
            for (int attempt = 1; !topics.isEmpty(); attempt++) {
                if (attempt > 5) {
                    throw new IllegalStateException(topics.size() + " readings of round " + round + " not published");
                }
                Map<String, CompletableFuture<Void>> sent = new HashMap<>();
                topics.forEach(topic -> sent.put(topic, sensors.publishAsync(topic, reading, Duration.ofSeconds(10))));
                topics = sent.entrySet().stream().filter(e -> failed(e.getValue())).map(Map.Entry::getKey).toList();
            }
        }
    }

    private static boolean failed(CompletableFuture<Void> publish) {
        try {
            publish.join();
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Counts what arrived by idempotency key, and notes any command whose topic or payload does not fit its key. */
    private static void drain(BlockingQueue<TestMqttClient.Received> commands, Map<String, Integer> arrived,
                              List<String> wrong) {
        List<TestMqttClient.Received> batch = new ArrayList<>();
        commands.drainTo(batch);
        for (TestMqttClient.Received command : batch) {
            String key = command.properties().get("idempotency-key");
            arrived.merge(String.valueOf(key), 1, Integer::sum);
            boolean on = key != null && key.contains(":firing:");
            if (key == null || !command.topic().matches("actuators/s\\d+/fan")
                    || !command.payload().equals("{\"on\": " + on + "}")) {
                wrong.add(command.topic() + " " + command.payload() + " " + key);
            }
        }
    }
}
