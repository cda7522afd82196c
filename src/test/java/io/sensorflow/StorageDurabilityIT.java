package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.JarProcess;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.PostgresDatabase;
import io.sensorflow.testing.PrivatePostgres;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing acknowledged is lost and nothing is stored twice: when the daemon is killed with -9 during heavy ingest
 * (on SQLite and on PostgreSQL), and when the PostgreSQL server goes away mid-stream and comes back. The rollups
 * must agree with the raw readings afterwards.
 */
// Alone, not beside another test class: heavy ingest, and a bound on how fast the daemon answers.
@Isolated
class StorageDurabilityIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker().withPostgres();
    /** A server of its own, which the outage test stops and starts. */
    @RegisterExtension
    static final PrivatePostgres PRIVATE_PG = new PrivatePostgres();

    private static String reading(int i) {
        return "{\"value\": " + (i % 50) + ", \"ts\": " + (1_700_000_000_000L + (long) (i / 100) * 1000) + "}";
    }

    /** Publishes {@code total} readings of 100 sensors at QoS 1, as fast as the broker takes them. */
    private static CompletableFuture<Void> publish(String client, int total, long pauseEvery, AtomicBoolean slow) {
        return CompletableFuture.runAsync(() -> {
            try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker())) {
                for (int i = 0; i < total; i++) {
                    mqtt.publish("sensors/" + client + "-" + (i % 100) + "/temperature", reading(i));
                    if (slow.get() && i % pauseEvery == 0) {
                        Thread.sleep(10); // pacing the load, not waiting for a condition
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void killNineDuringIngest(TestConfig test, String name, String storeConfig, LongSupplier stored,
                                      LongSupplier rolledUp, LongSupplier dirty) throws Exception {
        int port = MosquittoBroker.freePort();
        Path config = test.named(name + "-it").with("http.port = " + port + "\n" + storeConfig).write();
        int total = 20_000;
        Process process = DAEMONS.jar(config);
        DaemonExtension.awaitReady(port);
        CompletableFuture<Void> publishing = publish(name, total, 1, new AtomicBoolean(false));
        await("ingest under way").atMost(Duration.ofSeconds(60)).until(() -> stored.getAsLong() > 2_000);
        process.destroyForcibly().waitFor(); // kill -9, mid-stream
        long atKill = stored.getAsLong();
        publishing.get();
        assertThat(atKill).as("killed before the end").isLessThan(total);

        DAEMONS.jar(config);
        await("every reading stored once").atMost(Duration.ofSeconds(90)).until(() -> stored.getAsLong() == total);
        await("rollups agree with the readings").atMost(Duration.ofSeconds(20))
                .until(() -> dirty.getAsLong() == 0 && rolledUp.getAsLong() == total);
    }

    @Test
    void killNineDuringHeavyIngestLosesNothingOnSqlite(TestConfig test) throws Exception {
        Path db = test.named("sqlite-kill-it").db();
        killNineDuringIngest(test, "sqlite-kill", "",
                () -> Sql.count(db, "SELECT count(*) FROM readings"),
                () -> Sql.count(db, "SELECT coalesce(sum(vcount), 0) FROM rollup_1m"),
                () -> Sql.count(db, "SELECT count(*) FROM rollup_dirty"));
        assertThat(Sql.count(db, "SELECT sum(vcount) FROM rollup_1h")).isEqualTo(20_000);
    }

    @Test
    void killNineDuringHeavyIngestLosesNothingOnPostgres(TestConfig test, PostgresDatabase pg) throws Exception {
        killNineDuringIngest(test, "pg-kill", postgres(pg.jdbcUrl(), pg.user()),
                () -> pg.count("SELECT count(*) FROM readings"),
                () -> pg.count("SELECT coalesce(sum(vcount), 0) FROM rollup_1m"),
                () -> pg.count("SELECT count(*) FROM rollup_dirty"));
        assertThat(pg.count("SELECT sum(vcount) FROM rollup_1h")).isEqualTo(20_000);
    }

    /** The daemon's sensorflow_store_errors_total, from /metrics. */
    private static double storeErrors(int port) {
        return Http.metric(Http.get(port, "/metrics").body(), "sensorflow_store_errors_total").orElse(0);
    }

    private static String postgres(String url, String user) {
        return "store { type = postgres, postgres { url = \"" + url + "\", user = \"" + user
                + "\", connect-timeout = 1s } }";
    }

    @Test
    void aPostgresOutageMidStreamSlowsIngestDownAndLosesNothing(TestConfig test) throws Exception {
        int port = MosquittoBroker.freePort();
        Path config = test.named("pg-outage-it").with(postgres(PRIVATE_PG.jdbcUrl(), PRIVATE_PG.user()))
                .with("http.port = " + port + "\nsources.push { type = http-push }").write();
        Process daemon = DAEMONS.jar(config, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        DaemonExtension.awaitReady(port);
        // -Psoak: the 60 s outage, under about 1,000 readings/s throughout.
        Duration outage = Boolean.getBoolean("test.soak") ? Duration.ofSeconds(60) : Duration.ZERO;
        int total = outage.isZero() ? 6_000 : 50_000; // within the test broker's queue of 60,000
        AtomicBoolean slow = new AtomicBoolean(true);
        CompletableFuture<Void> publishing = publish("outage", total, 10, slow);
        await().atMost(Duration.ofSeconds(30)).until(() -> PRIVATE_PG.count("SELECT count(*) FROM readings") > 500);

        PRIVATE_PG.stop();
        long stopped = System.nanoTime();
        await("readiness reports the store").atMost(Duration.ofSeconds(20))
                .until(() -> Http.get(port, "/health/ready").status() == 503);
        long notReadyMillis = (System.nanoTime() - stopped) / 1_000_000;
        assertThat(Http.get(port, "/health/ready").body()).contains("store");
        await("commits failed and were retried while the server was down").atMost(Duration.ofSeconds(20))
                .until(() -> storeErrors(port) >= 2);
        // A push during the outage is told to come back at once, not held for the commit timeout.
        long asked = System.nanoTime();
        Http.Response push = Http.post(port, "/api/v1/ingest", "application/json",
                "{\"sensor\": \"pushed\", \"metric\": \"t\", \"value\": 1}".getBytes(StandardCharsets.UTF_8));
        long answeredMillis = (System.nanoTime() - asked) / 1_000_000;
        assertThat(push.status()).isEqualTo(503);
        assertThat(push.headers()).containsKey("retry-after");
        assertThat(push.body()).contains("the store has been failing");
        assertThat(answeredMillis).as("answered within a second").isLessThan(1_000);
        Thread.sleep(outage.toMillis()); // the outage's length, not a condition
        String heap = JarProcess.heapAfterFullGc(daemon.pid());
        assertThat(daemon.isAlive()).as("the daemon outlived the outage").isTrue();
        long downMillis = (System.nanoTime() - stopped) / 1_000_000;
        PRIVATE_PG.start();
        slow.set(false);
        publishing.get();

        await("every reading stored once").atMost(Duration.ofSeconds(180))
                .until(() -> PRIVATE_PG.count("SELECT count(*) FROM readings") == total);
        await("ready again").atMost(Duration.ofSeconds(20))
                .until(() -> Http.get(port, "/health/ready").status() == 200);
        await("rollups agree").atMost(Duration.ofSeconds(20))
                .until(() -> PRIVATE_PG.count("SELECT coalesce(sum(vcount), 0) FROM rollup_1m") == total);
        System.out.printf("StorageDurabilityIT: PostgreSQL down %d ms under MQTT load: not ready after %d ms, a push "
                + "answered 503 in %d ms, heap at the end of the outage %s; %d of %d stored after%n",
                downMillis, notReadyMillis, answeredMillis, heap,
                PRIVATE_PG.count("SELECT count(*) FROM readings"), total);
    }
}
