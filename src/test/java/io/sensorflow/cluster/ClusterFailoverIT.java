package io.sensorflow.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.PostgresDatabase;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes on one broker and one PostgreSQL under a steady load of 1,000 sensors, while one node leaves and comes
 * back: every reading stored once, every alert transition there once, and each fan command published once.
 */
class ClusterFailoverIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker().withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SENSORS = 1_000;
    /** Readings per sensor, one each 200 ms: 5 a second for 12 s. */
    private static final int READINGS = 60;
    private static final long T0 = 1_700_000_000_000L;
    private static final int SHARDS = 16;

    private static TestConfig node(TestConfig test, String name, int clusterPort, int seedPort) {
        return test.named(name).onPostgres().with("""
                cluster { bind = "127.0.0.1:%d", seed-nodes = ["127.0.0.1:%d"], stable-after = 3s, shards = %d }
                """.formatted(clusterPort, seedPort, SHARDS));
    }

    /**
     * A sensor's value at its {@code i}th reading: 20 for ten readings, then 35 for ten. too-hot fires at 10, 30 and
     * 50 and resolves at 20 and 40: five transitions per sensor, each a fan command. Runs of ten keep the count
     * whatever reading of a run a node's delay makes late.
     */
    private static double value(int i) {
        return (i / 10) % 2 == 0 ? 20.0 : 35.0;
    }

    @Test
    void aNodeLeavingAndComingBackUnderLoadLosesNothingAndRepeatsNothing(TestConfig test) throws Exception {
        int seed = MosquittoBroker.freePort();
        int secondPort = MosquittoBroker.freePort();
        Daemon first = DAEMONS.start(node(test, "n1", seed, seed));
        AtomicReference<Daemon> second = new AtomicReference<>(DAEMONS.start(node(test, "n2", secondPort, seed)));
        Daemon third = DAEMONS.start(node(test, "n3", MosquittoBroker.freePort(), seed));
        await("every shard placed").atMost(Duration.ofSeconds(30))
                .until(() -> placed(first.httpPort()).size() == SHARDS);

        PostgresDatabase pg = DAEMONS.postgres();
        try (TestMqttClient actuators = new TestMqttClient(DAEMONS.broker());
             TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> fan = actuators.subscribe("actuators/+/fan");
            long started = System.nanoTime();
            long movedIn = -1;
            for (int i = 0; i < READINGS; i++) {
                if (i == 20) {
                    DAEMONS.stop(second.get());
                    long stopped = System.nanoTime();
                    await("the left node's shards placed on the others").atMost(Duration.ofSeconds(15))
                            .until(() -> placedOn(first.httpPort()).keySet().size() == 2
                                    && placed(first.httpPort()).size() == SHARDS);
                    movedIn = (System.nanoTime() - stopped) / 1_000_000;
                }
                if (i == 40) {
                    second.set(DAEMONS.start(node(test, "n2", secondPort, seed)));
                }
                List<CompletableFuture<Void>> acks = new ArrayList<>(SENSORS);
                for (int s = 0; s < SENSORS; s++) {
                    acks.add(sensors.publishAsync("sensors/s-" + s + "/temperature", "{\"value\": " + value(i)
                            + ", \"ts\": " + (T0 + i * 200L) + ", \"seq\": " + i + "}", Duration.ofSeconds(30)));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                long due = started + (i + 1) * 200_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            System.out.printf("published %d readings in %d ms; shards of the node that left placed again in %d ms%n",
                    SENSORS * READINGS, (System.nanoTime() - started) / 1_000_000, movedIn);

            await("every reading stored").atMost(Duration.ofSeconds(120))
                    .until(() -> pg.count("SELECT count(*) FROM readings") == (long) SENSORS * READINGS);
            await("every transition committed").atMost(Duration.ofSeconds(60))
                    .until(() -> pg.count("SELECT count(*) FROM alert_events") >= SENSORS * 5L);
            await("every fan command delivered").atMost(Duration.ofSeconds(120))
                    .until(() -> pg.count("SELECT count(*) FROM deliveries WHERE status = 'done'") == SENSORS * 5L);
            assertThat(pg.count("SELECT count(*) FROM alert_events WHERE state = 'firing'")).isEqualTo(SENSORS * 3L);
            assertThat(pg.count("SELECT count(*) FROM alert_events WHERE state = 'resolved'")).isEqualTo(SENSORS * 2L);
            assertThat(pg.count("SELECT count(*) FROM (SELECT sensor FROM alert_events GROUP BY sensor "
                    + "HAVING count(*) <> 5) odd")).as("sensors with other than five transitions").isZero();
            assertThat(pg.count("SELECT count(*) FROM deliveries WHERE status <> 'done'")).isZero();
            // Each command once: the outbox claims keep two nodes off one delivery. A little time for strays.
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30))
                    .until(() -> fan.size() >= SENSORS * 5);
            List<TestMqttClient.Received> commands = new ArrayList<>(fan);
            assertThat(commands).hasSize(SENSORS * 5);
        }
        // The coordinator rebalances every 10 s, a few shards at a time: the node that came back gets its share.
        await("shards on the node that came back").atMost(Duration.ofSeconds(60))
                .until(() -> placedOn(first.httpPort()).keySet().size() == 3);
        for (Daemon daemon : List.of(first, third)) {
            assertThat(received(daemon.httpPort())).as("the broker shared the messages out to every node")
                    .isGreaterThan(SENSORS * READINGS / 10);
        }
        for (Daemon daemon : List.of(first, second.get(), third)) {
            assertThat(Http.get(daemon.httpPort(), "/health/ready").status()).isEqualTo(200);
        }
    }

    /** What the node on {@code port} took from the broker. */
    private static double received(int port) {
        return Http.get(port, "/metrics").body().lines()
                .filter(line -> line.startsWith("sensorflow_readings_received_total{") && line.contains("plant"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Shard numbers placed anywhere, as the node on {@code port} reports them. */
    private static TreeSet<Integer> placed(int port) throws Exception {
        TreeSet<Integer> shards = new TreeSet<>();
        placedOn(port).values().forEach(shards::addAll);
        return shards;
    }

    private static Map<String, List<Integer>> placedOn(int port) throws Exception {
        JsonNode view = JSON.readTree(Http.get(port, "/api/v1/admin/cluster").body());
        Map<String, List<Integer>> result = new java.util.TreeMap<>();
        view.path("shards").fields().forEachRemaining(node -> {
            List<Integer> shards = new ArrayList<>();
            node.getValue().forEach(shard -> shards.add(shard.asInt()));
            if (!shards.isEmpty()) {
                result.put(node.getKey(), shards);
            }
        });
        return result;
    }
}
