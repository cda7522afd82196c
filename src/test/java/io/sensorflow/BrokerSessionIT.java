package io.sensorflow;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 2 of the reliability suite, the broker's side: a broker that comes back without the daemon's session (no
 * persistence here, as when Mosquitto cannot write its database) loses what it held, and only the CONNACK's
 * {@code session present = 0} says so. The daemon counts and logs it. It also reconnects within six seconds of the
 * broker's return on the default backoff, however long the outage grew the backoff.
 */
// Alone, not beside another test class: times how soon intake flows after the broker returns.
@Isolated
class BrokerSessionIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    /** Long enough for the default backoff to reach its cap several times over. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);
    private static final String COUNTER = "sensors/counter/temperature";

    @Test
    void aLostSessionIsReportedAndFlowResumesWithinSixSecondsOfTheBrokersReturn(TestConfig test) throws Exception {
        // The sender numbers its messages: what the broker dropped shows as a gap (fault 7).
        TestConfig config = test.named("session-it").numbered()
                .with("sources.plant.reconnect { min-backoff = 1s, max-backoff = 5s }");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        long t = System.currentTimeMillis() - 60_000;
        try (TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
            for (int i = 0; i < 10; i++) {
                sensors.publish("sensors/s" + i + "/temperature", "{\"value\": 20, \"ts\": " + (t + i) + "}");
                sensors.publish(COUNTER, "{\"value\": 20, \"ts\": " + (t + i) + ", \"seq\": " + (i + 1) + "}");
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == 20);
        assertThat(sessionsLost(daemon)).isZero();

        DAEMONS.broker().stop();
        Thread.sleep(OUTAGE.toMillis());
        DAEMONS.broker().start();
        long back = System.nanoTime();
        long flowingMillis;
        int seq = 10;
        try (TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
            // A reading every 50 ms until one is stored: the first after the broker's return marks the flow. Those
            // before it reached a broker that no longer knew the daemon's subscription: dropped, broker-side.
            while (Sql.count(db, "SELECT count(*) FROM readings_all") == 20) {
                assertThat(System.nanoTime() - back).as("flowing again").isLessThan(Duration.ofSeconds(20).toNanos());
                seq++;
                sensors.publish(COUNTER, "{\"value\": 20, \"ts\": " + (t + 100 + seq) + ", \"seq\": " + seq + "}");
                Thread.sleep(50);
            }
            flowingMillis = (System.nanoTime() - back) / 1_000_000;
            seq++;
            sensors.publish(COUNTER, "{\"value\": 20, \"ts\": " + (t + 100 + seq) + ", \"seq\": " + seq + "}");
        }
        int last = seq;
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all r "
                + "JOIN series s ON s.id = r.series WHERE s.sensor = 'counter' AND r.ts = " + (t + 100 + last)) == 1);
        long counted = Sql.count(db, "SELECT count(*) FROM readings_all r JOIN series s ON s.id = r.series "
                + "WHERE s.sensor = 'counter'");
        double missing = metric(daemon, "sensorflow_sequence_missing_total{source=\"plant\"}");
        System.out.printf("BrokerSessionIT: %d numbered readings sent, %d stored, %.0f counted missing%n", last,
                counted, missing);
        assertThat(missing).as("every number the broker dropped is counted, no other").isEqualTo(last - counted)
                .isPositive();
        assertThat(Http.get(daemon.httpPort(), "/api/v1/sources").body()).contains("\"sensor\":\"counter\"");
        System.out.printf("BrokerSessionIT: outage %d s, flowing again %d ms after the broker's return%n",
                OUTAGE.toSeconds(), flowingMillis);
        assertThat(flowingMillis).isLessThan(6_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> sessionsLost(daemon) == 1);
    }

    private static double sessionsLost(Daemon daemon) {
        return metric(daemon, "sensorflow_mqtt_sessions_lost_total{source=\"plant\"}");
    }

    private static double metric(Daemon daemon, String series) {
        return Http.metric(Http.get(daemon.httpPort(), "/metrics").body(), series).orElse(0);
    }
}
