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
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 2 of the reliability suite, the hard case: the broker killed with {@code kill -9} under load, with
 * persistence configured as docker/mosquitto.conf does (saved every 30 minutes and at a graceful stop, so a kill
 * loses what changed since). 100 sensors number their readings and publish 1,000 a second with a persistent session,
 * so every reading they sent is eventually acknowledged by the broker. What the broker had acknowledged to them
 * but not yet delivered to the daemon dies with it: that broker-side loss must be reported exactly, as missing
 * sequence numbers (numbers sent minus readings stored) and a lost session; nothing else may be lost; and the
 * readings must flow again within six seconds of the broker's return.
 */
// Alone, not beside another test class: times how soon intake flows after the broker returns.
@Isolated
class BrokerKillIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker(new MosquittoBroker().withPersistence());

    private static final int SENSORS = 100;
    private static final long BASE = 1_700_000_000_000L;

    @Test
    void aBrokerKilledUnderLoadLosesOnlyWhatItHeldAndTheDaemonSaysExactlyHowMuch(TestConfig test) throws Exception {
        TestConfig config = test.named("broker-kill").numbered()
                .with("sources.plant.reconnect { min-backoff = 1s, max-backoff = 5s }");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        long[] seq = new long[SENSORS];
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        long flowingMillis;
        long refused;
        try (TestMqttClient sensors = TestMqttClient.persistent(DAEMONS.broker(), "sensors-broker-kill")) {
            // The sensors send throughout: while the broker is away their client holds the messages.
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> publish(sensors, seq, sent, publishing));
            Thread.sleep(4_000); // under load for a while, not waiting for a condition
            DAEMONS.broker().kill();
            Thread.sleep(3_000); // the outage
            double storedBefore = storedTotal(daemon);
            DAEMONS.broker().start();
            long back = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> storedTotal(daemon) > storedBefore);
            flowingMillis = (System.nanoTime() - back) / 1_000_000;
            Thread.sleep(2_000); // flowing for a while
            publishing.set(false);
            load.get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(sent.stream().map(f -> f.exceptionally(e -> null))
                    .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // A publish in flight when the broker died may fail instead of going out again (its session died too):
            // its number is missing for the daemon as well, so the count below holds either way.
            refused = sent.stream().filter(CompletableFuture::isCompletedExceptionally).count();
        }
        long total = 0;
        for (long n : seq) {
            total += n;
        }
        long numbers = total;
        // Every sensor's last reading stored: from then on each number is stored or counted missing.
        await().atMost(Duration.ofSeconds(30)).until(() -> lastStored(db, seq));
        long stored = Sql.count(db, "SELECT count(*) FROM readings_all");
        String metrics = Http.get(daemon.httpPort(), "/metrics").body();
        double missing = Http.metric(metrics, "sensorflow_sequence_missing_total{source=\"plant\"}").orElse(0);
        double sessionsLost = Http.metric(metrics, "sensorflow_mqtt_sessions_lost_total{source=\"plant\"}")
                .orElse(0);
        System.out.printf("BrokerKillIT: %d readings sent, %d stored, %.0f counted missing: %.0f the broker had "
                + "acknowledged to the sensors (lost broker-side), %d it never acknowledged (the sensors' client gave "
                + "them up with its own lost session); %.0f session(s) lost; flowing again %d ms after the broker's "
                + "return%n", numbers, stored, missing, missing - refused, refused, sessionsLost, flowingMillis);
        assertThat(missing).as("the broker's loss, counted exactly").isEqualTo(numbers - stored);
        assertThat(flowingMillis).as("flowing again after the broker's return, ms").isLessThan(6_000);
    }

    /** Each sensor's next readings, 1,000 a second in all, until told to stop; the futures complete at PUBACK. */
    private static void publish(TestMqttClient mqtt, long[] seq, List<CompletableFuture<Void>> sent,
                                AtomicBoolean publishing) {
        long started = System.nanoTime();
        long done = 0;
        try {
            while (publishing.get()) {
                long due = (System.nanoTime() - started) / 1_000_000;
                for (; done < due; done++) {
                    int sensor = (int) (done % SENSORS);
                    long n = ++seq[sensor];
                    CompletableFuture<Void> puback = mqtt.publishAsync("sensors/b-" + sensor + "/temperature",
                            "{\"value\": " + (n % 25) + ", \"ts\": " + (BASE + n * 1_000) + ", \"seq\": " + n + "}",
                            Duration.ofSeconds(60));
                    synchronized (sent) {
                        sent.add(puback);
                    }
                }
                Thread.sleep(10); // pacing the load
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether each sensor's last number is stored. */
    private static boolean lastStored(Path db, long[] seq) {
        for (int sensor = 0; sensor < SENSORS; sensor++) {
            if (Sql.count(db, "SELECT count(*) FROM readings_all r JOIN series s ON s.id = r.series WHERE s.sensor = "
                    + "'b-" + sensor + "' AND r.ts = " + (BASE + seq[sensor] * 1_000)) != 1) {
                return false;
            }
        }
        return true;
    }

    private static double storedTotal(Daemon daemon) {
        return Http.metric(Http.get(daemon.httpPort(), "/metrics").body(), "sensorflow_readings_stored_total")
                .orElse(0);
    }
}
