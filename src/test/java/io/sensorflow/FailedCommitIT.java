package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A batch whose commit fails acknowledges none of its messages: they are delivered again and stored once.
 *
 * <p>The daemon (the jar) commits a first reading; then the test holds SQLite's write lock from a connection of its
 * own, so that every commit of the next batches fails (busy) and is retried. 500 readings are published meanwhile:
 * the daemon receives them all, in batches of many messages each, and commits none. It is killed with -9 while the
 * lock is still held, the lock is released, and a new daemon on the same session must get all 500 again from the
 * broker. Had any message been acknowledged before its commit, the broker would not send it again and its reading
 * would be missing.
 */
class FailedCommitIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final int HELD = 500;
    private static final long BASE = 1_700_000_000_000L;

    @Test
    void aBatchWhoseCommitFailsIsAcknowledgedNeverAndStoredOnceWhenDeliveredAgain(TestConfig test) throws Exception {
        int port = MosquittoBroker.freePort();
        TestConfig named = test.named("failed-commit").with("http.port = " + port);
        Path config = named.write();
        Path db = named.db();
        Process first = DAEMONS.jar(config);
        DaemonExtension.awaitReady(port);
        try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker())) {
            mqtt.publish("sensors/fc-0/temperature", reading(0));
            await("the first reading stored").atMost(Duration.ofSeconds(20))
                    .until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 1);

            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement statement = lock.createStatement()) {
                statement.execute("BEGIN EXCLUSIVE");
                for (int i = 1; i <= HELD; i++) {
                    mqtt.publish("sensors/fc-" + (i % 10) + "/temperature", reading(i));
                }
                await("every message received, and commits failing").atMost(Duration.ofSeconds(60))
                        .until(() -> metric(port, "sensorflow_readings_received_total{source=\"plant\"}") >= HELD + 1
                                && metric(port, "sensorflow_store_errors_total") >= 1);
                assertThat(metric(port, "sensorflow_readings_stored_total")).as("stored by the first daemon")
                        .isEqualTo(1);
                first.destroyForcibly().waitFor(); // kill -9 while the lock is held: nothing more gets committed
                statement.execute("ROLLBACK");
            }
        }
        assertThat(Sql.count(db, "SELECT count(*) FROM readings")).isEqualTo(1);

        DAEMONS.jar(config);
        DaemonExtension.awaitReady(port);
        await("all held readings delivered again and stored").atMost(Duration.ofSeconds(60))
                .until(() -> Sql.count(db, "SELECT count(*) FROM readings") == HELD + 1);
        assertThat(metric(port, "sensorflow_readings_received_total{source=\"plant\"}"))
                .as("delivered again by the broker")
                .isGreaterThanOrEqualTo(HELD);
        assertThat(metric(port, "sensorflow_readings_duplicate_total")).as("none had been stored").isZero();
    }

    private static String reading(int i) {
        return "{\"value\": " + (i % 40) + ", \"ts\": " + (BASE + i * 1_000L) + "}";
    }

    /** One series of the daemon's /metrics, labels as the exposition writes them; 0 while it is not there. */
    private static double metric(int port, String series) {
        return Http.metric(Http.get(port, "/metrics").body(), series).orElse(0);
    }
}
