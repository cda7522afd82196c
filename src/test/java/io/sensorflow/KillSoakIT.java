package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 1 of the reliability suite, its long variant ({@code -Psoak}; {@code StorageDurabilityIT} kills once per
 * store in every build): 1,000 sensors publish 5 readings a second each at QoS 1, every reading numbered per sensor,
 * while the daemon (the jar) is killed with {@code kill -9} at a random point ten times and started again 5 s later.
 * Checked: every reading the broker acknowledged to the publisher is stored, none twice, and after each restart
 * the flow resumes within 10 s.
 */
// Alone, not beside another test class: a soak that loads the machine for an hour.
@Isolated
@EnabledIfSystemProperty(named = "test.soak", matches = "true")
class KillSoakIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker(new MosquittoBroker().withMaxQueued(0));

    private static final int SENSORS = 1_000;
    private static final int PER_SECOND = 5_000;
    private static final int KILLS = 10;
    private static final long BASE = 1_700_000_000_000L;

    @Test
    void tenKillsAtRandomPointsUnderLoadLoseNothingAndStoreNothingTwice(TestConfig test) throws Exception {
        int port = MosquittoBroker.freePort();
        TestConfig config = test.named("kill-soak").numbered().with("http.port = " + port);
        Path file = config.write();
        Path db = config.db();
        Process daemon = DAEMONS.jar(file, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        DaemonExtension.awaitReady(port);

        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> refused = new ConcurrentLinkedQueue<>();
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> publish(publishing, acknowledged, refused));
        Random random = new Random(18);
        List<Long> resumedMillis = new ArrayList<>();
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                Thread.sleep(3_000 + random.nextInt(12_000)); // a random point of the stream, not a condition
                daemon.destroyForcibly().waitFor();
                Thread.sleep(5_000); // the restart delay the issue asks for
                daemon = DAEMONS.jar(file, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
                long restarted = System.nanoTime();
                // Flowing: the new process's first commit (the JVM's start, the store's, the broker's session).
                // Its own counter, cheap to read: counting a million rows would take longer than the restart.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> storedByThisProcess(port) > 0);
                resumedMillis.add((System.nanoTime() - restarted) / 1_000_000);
            }
        } finally {
            publishing.set(false);
            load.get(60, TimeUnit.SECONDS);
        }
        long total = acknowledged.get();
        await().atMost(Duration.ofMinutes(5)).until(() -> stored(db) >= total);
        System.out.printf("KillSoakIT: %d kills, %d readings acknowledged by the broker, %d stored; flowing again "
                + "after each restart in %s ms%n", KILLS, total, stored(db), resumedMillis);
        assertThat(refused).isEmpty();
        assertThat(stored(db)).as("every acknowledged reading stored, none twice").isEqualTo(total);
        assertThat(resumedMillis).allSatisfy(ms -> assertThat(ms).as("flowing again, ms").isLessThan(10_000L));
        daemon.destroy();
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** 1,000 sensors × 5 readings/s, paced every 10 ms, until told to stop; counts the broker's PUBACKs. */
    private static void publish(AtomicBoolean publishing, AtomicLong acknowledged, ConcurrentLinkedQueue<Throwable>
            refused) {
        long[] seq = new long[SENSORS];
        long sent = 0;
        long started = System.nanoTime();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker())) {
            while (publishing.get()) {
                long due = (System.nanoTime() - started) * PER_SECOND / 1_000_000_000L;
                for (; sent < due; sent++) {
                    int sensor = (int) (sent % SENSORS);
                    long n = ++seq[sensor];
                    pending.add(mqtt.publishAsync("sensors/k-" + sensor + "/temperature", "{\"value\": " + (n % 40)
                                    + ", \"ts\": " + (BASE + n * 200) + ", \"seq\": " + n + "}", Duration.ofSeconds(60))
                            .whenComplete((ok, error) -> {
                                if (error == null) {
                                    acknowledged.incrementAndGet();
                                } else {
                                    refused.add(error);
                                }
                            }));
                }
                pending.removeIf(CompletableFuture::isDone);
                Thread.sleep(10); // pacing the load
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double storedByThisProcess(int port) {
        try {
            return Http.metric(Http.get(port, "/metrics").body(), "sensorflow_readings_stored_total").orElse(0);
        } catch (RuntimeException e) {
            return 0; // not listening yet
        }
    }

    private static long stored(Path db) {
        return Sql.count(db, "SELECT count(*) FROM readings_all");
    }
}
