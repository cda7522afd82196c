package io.sensorflow;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.SlowBrokerProxy;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The persistent MQTT session and ack-after-commit: nothing published is lost across daemon restarts. */
class RestartIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    /** Publishes {@code count} readings at QoS 1 to sensors {@code <prefix>0..<prefix>(spread-1)}. */
    private static void publish(String prefix, int spread, int count) {
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int i = 0; i < count; i++) {
                client.publish("sensors/" + prefix + (i % spread) + "/temperature", reading(i));
            }
        }
    }

    private static String reading(int i) {
        return "{\"value\": " + (i % 50) + ", \"ts\": " + (1_000_000L + i) + "}";
    }

    @Test
    void readingsPublishedWhileTheDaemonWasStoppedAreStoredAfterItRestarts(TestConfig test) {
        TestConfig config = test.named("restart-it");
        Path db = config.db();
        DAEMONS.stop(DAEMONS.start(config));

        publish("offline-", 3, 300);
        assertThat(Sql.count(db, "SELECT count(*) FROM readings")).isZero();

        DAEMONS.start(config);
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 300);
    }

    @Test
    void reconnectsAfterTheBrokerRestartsAndKeepsConsuming(TestConfig test) throws Exception {
        TestConfig config = test.named("outage-it");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        publish("before", 1, 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 100);

        DAEMONS.broker().stop();
        await("readiness reports the outage").atMost(Duration.ofSeconds(10))
                .until(() -> Http.get(daemon.httpPort(), "/health/ready").status() == 503);
        assertThat(Http.get(daemon.httpPort(), "/health/ready").body()).contains("source plant", "not connected");
        DAEMONS.broker().start();
        await("ready again").atMost(Duration.ofSeconds(20))
                .until(() -> Http.get(daemon.httpPort(), "/health/ready").status() == 200);

        // The broker lost its in-memory session; the daemon subscribed again on its new session.
        publish("after", 1, 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 200);
    }

    /**
     * A stop that lands while the client waits for CONNACK must not release its publish flow early: the session's
     * backlog arrives right after CONNACK, and a client without a flow acknowledges (and so loses) all of it.
     */
    @Test
    void stoppingWhileConnectingLosesNothingFromTheSessionBacklog(TestConfig test) throws Exception {
        TestConfig direct = test.named("connecting-it");
        Path db = direct.db();
        DAEMONS.stop(DAEMONS.start(direct));
        publish("backlog-", 3, 300);

        try (SlowBrokerProxy proxy = new SlowBrokerProxy(DAEMONS.broker().port(), Duration.ofMillis(1500))) {
            Daemon connecting = DAEMONS.launch(direct.with("sources.plant.url = \"" + proxy.url() + "\"").parse());
            assertThat(proxy.awaitClient(Duration.ofSeconds(10))).as("CONNECT sent").isTrue();
            connecting.stop().toCompletableFuture().join();
            assertThat(proxy.awaitAnswered(Duration.ofSeconds(10))).as("CONNACK delivered after the stop").isTrue();
            assertThat(proxy.awaitClosed(Duration.ofSeconds(10))).as("the late connection is closed").isTrue();
        }

        DAEMONS.start(direct);
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 300);
    }

    @Test
    void noReadingIsLostOrDuplicatedWhenTheDaemonStopsMidStream(TestConfig test) throws Exception {
        TestConfig config = test.named("midstream-it");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        int total = 20_000;
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < total; i++) {
                    client.publish("sensors/mid-" + (i % 10) + "/temperature", reading(i));
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") > 200);
            DAEMONS.stop(daemon);
            publishing.get();
        }
        long storedBeforeRestart = Sql.count(db, "SELECT count(*) FROM readings");
        assertThat(storedBeforeRestart).isLessThan(total);

        DAEMONS.start(config);
        await().atMost(Duration.ofSeconds(30)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == total);
        assertThat(Sql.count(db, "SELECT count(*) FROM (SELECT series, ts FROM readings GROUP BY 1, 2)"))
                .isEqualTo(total);
    }
}
