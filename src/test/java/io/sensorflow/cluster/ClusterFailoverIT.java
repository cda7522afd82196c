package io.sensorflow.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.Daemon;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.testing.VirtualTime;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.PostgresDatabase;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes on one broker and one PostgreSQL under a steady load of 1,000 sensors with rules of each stateful kind:
 * one node stops gracefully for good, another crashes (its system terminates without leaving the cluster) and comes
 * back. Every reading is stored once, and the alert transitions are exactly those of the same rules fed the same
 * readings on one node; every fan command is published, again only if the crashed node had it in hand.
 */
// Alone, not beside another test class: three daemons under 5,000 readings a second, timed against the failure detector.
@Isolated
class ClusterFailoverIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker().withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SENSORS = 1_000;
    /** Readings per sensor, one each 200 ms: 5 a second for 12 s. */
    private static final int READINGS = 60;
    /** These sensors fall silent after their 16th reading, for the deadman rule. */
    private static final int SILENT_EVERY = 50;
    private static final int SILENT_AFTER = 15;
    private static final int ZONES = 10;
    private static final int SHARDS = 16;
    private static final long RUN_MS = 2_000;
    /**
     * Transitions up to here are compared: the silent sensors' deadman fires at 33 s, the live sensors' at 41.8 s.
     * Its 30 s are longer than a crashed node's shards go unowned, whose sensors would otherwise seem silent.
     */
    private static final long COMPARED_MS = 36_000;

    /**
     * Threshold with hysteresis ({@code too-hot}, the test config's, with the fan action), a threshold held for a
     * duration, a window over a group of sensors that live in different shards, and a deadman.
     */
    private static final String RULES = """
            sources.plant.subscriptions = [ { topic = "sensors/{sensor}/{metric}", qos = 1, format = json,
                value = "/value", timestamp = "/ts", tags { zone = "/zone" } } ]
            rules {
              warm-for { match { metric = temperature }, when = "value > 30.0", for = 1s }
              zone-hot { type = window, match { metric = temperature }, window = 1s, group-by = zone,
                         when = "value > 30.0" }
              quiet { type = deadman, match { metric = temperature }, after = 30s }
            }
            """;

    /**
     * What a node does at a crash, in one JVM: its actor system terminates without handing shards over or leaving
     * the cluster, without draining and without giving up its share of the subscription.
     */
    private static final String CRASH = """
            pekko.coordinated-shutdown.phases {
              before-service-unbind.enabled = off
              service-requests-done.enabled = off
              cluster-sharding-shutdown-region.enabled = off
              cluster-leave.enabled = off
              cluster-exiting.enabled = off
              cluster-exiting-done.enabled = off
              cluster-shutdown.enabled = off
            }
            """;

    private static TestConfig node(TestConfig test, String name, int clusterPort, int seedPort) {
        return test.named(name).onPostgres().with(RULES).with("""
                cluster { bind = "127.0.0.1:%d", seed-nodes = ["127.0.0.1:%d"], stable-after = 3s, shards = %d }
                """.formatted(clusterPort, seedPort, SHARDS));
    }

    private static SensorflowConfig crashing(TestConfig config) {
        return ConfigLoader.bind(ConfigFactory.parseString(CRASH).withFallback(ConfigFactory.parseString(
                config.hocon())));
    }

    /**
     * A sensor's value at its {@code i}th reading: 20 for ten readings, then 35 for ten. Runs of ten keep the
     * transitions in their run whatever reading of a run a node's delay makes late.
     */
    private static double value(int i) {
        return (i / 10) % 2 == 0 ? 20.0 : 35.0;
    }

    private static boolean publishes(int sensor, int i) {
        return sensor % SILENT_EVERY != 0 || i <= SILENT_AFTER;
    }

    private static String zone(int sensor) {
        return "z" + sensor % ZONES;
    }

    @Test
    void aNodeLeavingAnotherCrashingAndComingBackLoseNothingAndChangeNoAlert(TestConfig test) throws Exception {
        // The seed has the lowest port: when one of the last two nodes crashes, keep-majority keeps the side with
        // the lowest address, so the seed survives alone.
        int[] ports = {MosquittoBroker.freePort(), MosquittoBroker.freePort(), MosquittoBroker.freePort()};
        java.util.Arrays.sort(ports);
        int seed = ports[0];
        Daemon first = DAEMONS.start(node(test, "n1", seed, seed));
        Daemon second = DAEMONS.start(node(test, "n2", ports[1], seed));
        Daemon third = DAEMONS.start(crashing(node(test, "n3", ports[2], seed)));
        await("every shard placed").atMost(Duration.ofSeconds(30))
                .until(() -> placed(first.httpPort()).size() == SHARDS);

        PostgresDatabase pg = DAEMONS.postgres();
        long t0 = System.currentTimeMillis();
        List<Reading> published = new ArrayList<>();
        long[] publishedAt = new long[READINGS];
        long leftIn = -1;
        long ownedAfterCrash = -1;
        try (TestMqttClient actuators = new TestMqttClient(DAEMONS.broker());
             TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> fan = actuators.subscribe("actuators/+/fan");
            long started = System.nanoTime();
            for (int i = 0; i < READINGS; i++) {
                if (i == 15) {
                    long stopping = System.nanoTime();
                    DAEMONS.stop(second);
                    await("the shards of the node that left placed on the others").atMost(Duration.ofSeconds(15))
                            .until(() -> placedOn(first.httpPort()).size() == 2
                                    && placed(first.httpPort()).size() == SHARDS);
                    leftIn = (System.nanoTime() - stopping) / 1_000_000;
                }
                if (i == 30) {
                    DAEMONS.stop(third);
                    long crashed = System.nanoTime();
                    await("every shard owned again by the survivor").atMost(Duration.ofSeconds(30))
                            .until(() -> placedOn(first.httpPort()).size() == 1
                                    && placed(first.httpPort()).size() == SHARDS);
                    ownedAfterCrash = (System.nanoTime() - crashed) / 1_000_000;
                }
                if (i == 45) {
                    // Back with its client id: the broker delivers what it kept in the crashed node's session.
                    third = DAEMONS.start(node(test, "n3", ports[2], seed));
                }
                List<CompletableFuture<Void>> acks = new ArrayList<>(SENSORS);
                long ts = t0 + i * 200L;
                publishedAt[i] = System.currentTimeMillis();
                for (int s = 0; s < SENSORS; s++) {
                    if (!publishes(s, i)) {
                        continue;
                    }
                    published.add(new Reading("s-" + s, "temperature", value(i), ts, Map.of("zone", zone(s)),
                            "plant"));
                    acks.add(sensors.publishAsync("sensors/s-" + s + "/temperature", "{\"value\": " + value(i)
                            + ", \"ts\": " + ts + ", \"zone\": \"" + zone(s) + "\"}", Duration.ofSeconds(30)));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                long wait = started + (i + 1) * 200_000_000L - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            System.out.printf("published %d readings in %d ms; shards of the node that left placed again in %d ms, "
                            + "of the crashed node in %d ms%n", published.size(),
                    (System.nanoTime() - started) / 1_000_000, leftIn, ownedAfterCrash);
            assertThat(leftIn).as("ms until a graceful leaver's shards are owned again").isLessThan(15_000);
            // 15 s is the aim; failure detection, stable-after (3 s) and the handoff take 11 to 14 s here, more on a
            // busy machine.
            assertThat(ownedAfterCrash).as("ms until a crashed node's shards are owned again").isLessThan(20_000);

            await("every reading stored").atMost(Duration.ofSeconds(120))
                    .until(() -> pg.count("SELECT count(*) FROM readings") == published.size());
            await("the silent sensors' deadman alerts").atMost(Duration.ofSeconds(60))
                    .until(() -> pg.count("SELECT count(*) FROM alert_events WHERE rule = 'quiet'")
                            >= SENSORS / SILENT_EVERY);

            List<String> expected = oneNode(test, published, t0);
            await("every transition committed").atMost(Duration.ofSeconds(30))
                    .until(() -> transitions(pg, t0).size() >= expected.size());
            assertThat(transitions(pg, t0)).as("the transitions of the same rules and readings on one node")
                    .containsExactlyElementsOf(expected);
            reportDelays(pg, t0, publishedAt);

            long fanCommands = expected.stream().filter(t -> t.startsWith("too-hot ")).count();
            await("every fan command delivered").atMost(Duration.ofSeconds(120))
                    .until(() -> pg.count("SELECT count(*) FROM deliveries WHERE status = 'done'") == fanCommands);
            assertThat(pg.count("SELECT count(*) FROM deliveries WHERE status <> 'done'")).isZero();
            // Every command, each under its own idempotency key: the outbox claims keep two nodes off one delivery.
            // What the crashed node published and could not record as done goes again (at-least-once), under the
            // same key: at most the attempts it ran at once (action-concurrency, 32) and those it had finished.
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30))
                    .until(() -> fan.size() >= fanCommands);
            Map<String, Long> byKey = fan.stream().collect(java.util.stream.Collectors.groupingBy(
                    command -> command.properties().get("idempotency-key"), java.util.stream.Collectors.counting()));
            long again = fan.size() - byKey.size();
            System.out.printf("fan commands: %d published, %d distinct, %d again after the crash%n", fan.size(),
                    byKey.size(), again);
            assertThat(byKey).hasSize((int) fanCommands);
            assertThat(byKey.values()).as("a command goes again once at most").allMatch(n -> n <= 2);
            assertThat(again).as("only what the crashed node had in hand").isLessThanOrEqualTo(64);
        }
        // The coordinator rebalances every 10 s, a few shards at a time: the node that came back gets its share.
        Daemon back = third;
        await("shards on the node that came back").atMost(Duration.ofSeconds(60))
                .until(() -> placedOn(first.httpPort()).size() == 2);
        assertThat(received(back.httpPort())).as("the broker shared new messages with the returned node").isPositive();
        for (Daemon daemon : List.of(first, back)) {
            assertThat(Http.get(daemon.httpPort(), "/health/ready").status()).isEqualTo(200);
        }
    }

    /**
     * The transitions of the same rules fed the same readings on one node, in event time, up to {@link #COMPARED_MS}:
     * what a daemon alone would have notified.
     */
    private static List<String> oneNode(TestConfig test, List<Reading> readings, long t0) {
        SensorflowConfig config = test.with(RULES).parse();
        VirtualTime alone = new VirtualTime(List.copyOf(config.rules().values()), t0,
                config.pipeline().tickInterval().toMillis(), new Metrics());
        List<AlertEvent> events = new ArrayList<>();
        for (Reading reading : readings) {
            events.addAll(alone.deliver(reading, reading.timestamp()));
        }
        events.addAll(alone.advanceTo(t0 + COMPARED_MS - 1));
        return events.stream().filter(e -> !e.repeat())
                .map(e -> transition(e.rule(), e.sensor(), e.group(), e.state().name().toLowerCase(), e.timestamp(), t0))
                .sorted().toList();
    }

    /** The stored transitions up to {@link #COMPARED_MS}, sorted. */
    private static List<String> transitions(PostgresDatabase pg, long t0) throws SQLException {
        List<String> stored = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             ResultSet rows = connection.createStatement().executeQuery("SELECT rule, sensor, grp, state, ts FROM "
                     + "alert_events WHERE state <> 'repeat' AND ts < " + (t0 + COMPARED_MS))) {
            while (rows.next()) {
                stored.add(transition(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                        rows.getLong(5), t0));
            }
        }
        return stored.stream().sorted().toList();
    }

    /**
     * How late the readings that made too-hot's transitions were judged, from their publication to the transition's
     * commit: a sample of the readings of every sensor and every moment of the run, for docs/scaling.md.
     */
    private static void reportDelays(PostgresDatabase pg, long t0, long[] publishedAt) throws SQLException {
        List<Long> delays = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             ResultSet rows = connection.createStatement().executeQuery("SELECT ts, emitted_at FROM alert_events "
                     + "WHERE rule = 'too-hot' AND state <> 'repeat'")) {
            while (rows.next()) {
                delays.add(rows.getLong(2) - publishedAt[(int) ((rows.getLong(1) - t0) / 200)]);
            }
        }
        java.util.Collections.sort(delays);
        System.out.printf("too-hot transitions: %d; judged after publication: median %d ms, p99 %d ms, max %d ms; "
                        + "%d later than 1 s%n", delays.size(), delays.get(delays.size() / 2),
                delays.get(delays.size() * 99 / 100), delays.get(delays.size() - 1),
                delays.stream().filter(d -> d > 1_000).count());
    }

    /** A transition by the run of readings it happened in, which a late reading of that run does not change. */
    private static String transition(String rule, String sensor, String group, String state, long ts, long t0) {
        return rule + " " + sensor + " " + group + " " + state + " run " + (ts - t0) / RUN_MS;
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
        Map<String, List<Integer>> result = new TreeMap<>();
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
