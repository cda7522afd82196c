package io.sensorflow.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several daemons as one Pekko Cluster on loopback, over one broker and one PostgreSQL database: they find each other
 * through the seed nodes, each answers for the membership and for every node's alerts and live readings, and a node
 * that leaves, dies or is cut off is gone from the others' view while they stay ready, losing no reading.
 */
// Alone, not beside another test class: three daemons and three jar processes, timed against the failure detector.
@Isolated
class ClusterIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker().withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Membership settles in seconds; a dead node needs the failure detector and stable-after (3 s here) on top. */
    private static final Duration SETTLES = Duration.ofSeconds(30);
    /** Rounds of one reading per sensor, 200 ms apart. */
    private static final int LOAD_ROUNDS = 50;

    /** A node of the test cluster: its own HTTP and cluster ports, seeded by the first node. */
    private static TestConfig node(TestConfig test, String name, int httpPort, int clusterPort, int seedPort) {
        return test.named(name).onPostgres().with("""
                http.port = %d
                http.stream { interval = 100ms, heartbeat = 1s }
                sources { push { type = http-push } }
                rules.gateway-down { match { metric = online }, when = "value < 1.0"
                                     inhibit { rules = ["too-hot"], equal = [gw] } }
                cluster { bind = "127.0.0.1:%d", seed-nodes = ["127.0.0.1:%d"], stable-after = 3s }
                """.formatted(httpPort, clusterPort, seedPort));
    }

    /** URLs the nodes poll, each by the node that holds its shard. */
    private static final int FEEDS = 8;

    @Test
    void threeNodesFormOneClusterAndANodeThatLeavesIsGoneFromTheOthersView(TestConfig test) throws Exception {
        Map<String, AtomicInteger> hits = new java.util.concurrent.ConcurrentHashMap<>();
        com.sun.net.httpserver.HttpServer feeds = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        feeds.createContext("/", exchange -> {
            hits.computeIfAbsent(exchange.getRequestURI().getPath(), path -> new AtomicInteger()).incrementAndGet();
            byte[] body = "{\"value\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        feeds.start();
        StringBuilder urls = new StringBuilder();
        for (int i = 0; i < FEEDS; i++) {
            urls.append("{ url = \"http://127.0.0.1:").append(feeds.getAddress().getPort()).append("/feed/").append(i)
                    .append("\", fixed { sensor = feed-").append(i).append(", metric = level } }\n");
        }
        String poll = "sources.poll { type = http-poll, interval = 200ms, value = \"/value\", urls = [\n" + urls
                + "] }";
        try {
            threeNodes(test, poll, hits);
        } finally {
            feeds.stop(0);
        }
    }

    private void threeNodes(TestConfig test, String poll, Map<String, AtomicInteger> hits) throws Exception {
        int seed = MosquittoBroker.freePort();
        Daemon first = DAEMONS.start(node(test, "n1", 0, seed, seed).with(poll));
        Daemon second = DAEMONS.start(node(test, "n2", 0, MosquittoBroker.freePort(), seed).with(poll));
        Daemon third = DAEMONS.start(node(test, "n3", 0, MosquittoBroker.freePort(), seed).with(poll));
        List<Daemon> all = List.of(first, second, third);
        for (Daemon daemon : all) {
            await("three members Up as " + daemon.httpPort() + " sees them").atMost(SETTLES)
                    .until(() -> statuses(daemon.httpPort()).equals(Map.of("Up", 3)));
        }

        assertPolledOnce(hits, "three nodes");

        JsonNode view = cluster(third.httpPort());
        assertThat(view.get("mode").asText()).isEqualTo("cluster");
        assertThat(view.get("members")).hasSize(3).filteredOn(m -> m.get("self").asBoolean()).singleElement()
                .satisfies(m -> assertThat(m.get("node").asText()).isEqualTo(view.get("self").asText()));
        assertThat(view.get("members")).filteredOn(m -> m.get("leader").asBoolean()).hasSize(1);
        Http.Response ready = Http.get(second.httpPort(), "/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).contains("\"component\":\"cluster\"", "Up, 3 members");
        String metrics = Http.get(first.httpPort(), "/metrics").body();
        String self = cluster(first.httpPort()).get("self").asText();
        assertThat(metrics).contains("sensorflow_cluster_members{node=\"" + self + "\",status=\"Up\"} 3",
                "sensorflow_cluster_unreachable_members{node=\"" + self + "\"} 0");

        // A reading pushed to any node is in the one store every node reads, and its owner keeps its rule's state.
        List<Daemon> owners = new ArrayList<>(all);
        assertThat(Http.post(second.httpPort(), "/api/v1/ingest", "{\"sensor\": \"s-1\", \"metric\": \"temperature\", "
                + "\"value\": 21.5, \"timestamp\": 1700000000000}").status()).isEqualTo(202);
        await().atMost(SETTLES).until(() -> Http.get(third.httpPort(),
                "/api/v1/sensors/s-1/temperature/readings?from=0").body().contains("21.5"));
        await("a rule slot on the sensor's owner").atMost(SETTLES).until(() -> owners.stream()
                .mapToDouble(d -> sample(d.httpPort(), "sensorflow_rule_slots")).sum() >= 1);

        // An alert found by whichever node owns the sensor is listed by every node, and streamed live by each.
        java.util.concurrent.BlockingQueue<String> live = new java.util.concurrent.LinkedBlockingQueue<>();
        var stream = java.net.http.HttpClient.newHttpClient().sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + third.httpPort() + "/api/v1/stream")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> response.body().forEach(live::add));
        await("the stream open").atMost(SETTLES).until(() -> !live.isEmpty());
        // A sensor whose shard lives on another node than the one streaming.
        JsonNode placement = cluster(third.httpPort());
        List<Integer> local = new ArrayList<>();
        placement.path("shards").path(placement.get("self").asText()).forEach(shard -> local.add(shard.asInt()));
        String remote = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "s-" + i)
                .filter(sensor -> !local.contains(ShardedRules.shardOf(sensor, 32))).findFirst().orElseThrow();
        assertThat(Http.post(first.httpPort(), "/api/v1/ingest", "{\"sensor\": \"" + remote + "\", \"metric\": "
                + "\"temperature\", \"value\": 35, \"timestamp\": 1700000000000}").status()).isEqualTo(202);
        List<String> seen = new ArrayList<>();
        await("the reading and the alert on the third node's stream").atMost(SETTLES).until(() -> {
            live.drainTo(seen);
            return seen.stream().anyMatch(l -> l.replace(" ", "").equals("event:alert"))
                    && seen.stream().anyMatch(l -> l.startsWith("data:[") && l.contains("\"" + remote + "\""));
        });
        stream.cancel(true);
        for (Daemon daemon : all) {
            await("the alert listed by " + daemon.httpPort()).atMost(SETTLES).until(() ->
                    Http.get(daemon.httpPort(), "/api/v1/alerts").body().contains("\"sensor\":\"" + remote + "\""));
        }

        // An inhibitor that fires in one shard mutes an alert of another, once the nodes have read it from the store.
        String behind = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "b-" + i)
                .filter(sensor -> ShardedRules.shardOf(sensor, 32) != ShardedRules.shardOf("gw-1", 32))
                .findFirst().orElseThrow();
        assertThat(Http.post(first.httpPort(), "/api/v1/ingest", "{\"sensor\": \"gw-1\", \"metric\": \"online\", "
                + "\"value\": 0, \"timestamp\": 1700000000000, \"tags\": {\"gw\": \"gw-1\"}}").status())
                .isEqualTo(202);
        for (Daemon daemon : all) {
            await("the gateway's alert listed by " + daemon.httpPort()).atMost(SETTLES).until(() ->
                    Http.get(daemon.httpPort(), "/api/v1/alerts").body().contains("\"rule\":\"gateway-down\""));
        }
        assertThat(Http.post(second.httpPort(), "/api/v1/ingest", "{\"sensor\": \"" + behind + "\", \"metric\": "
                + "\"temperature\", \"value\": 35, \"timestamp\": 1700000000000, \"tags\": {\"gw\": \"gw-1\"}}")
                .status()).isEqualTo(202);
        await("the alert behind the gateway muted").atMost(SETTLES).until(() -> Http.get(third.httpPort(),
                "/api/v1/alerts/history?from=0&rule=too-hot&sensor=" + behind).body()
                .contains("inhibited by gateway-down gw-1/online"));

        DAEMONS.stop(second);
        for (Daemon daemon : List.of(first, third)) {
            await("the node that left is gone as " + daemon.httpPort() + " sees it").atMost(SETTLES)
                    .until(() -> statuses(daemon.httpPort()).equals(Map.of("Up", 2)));
            assertThat(Http.get(daemon.httpPort(), "/health/ready").status()).isEqualTo(200);
        }
        assertPolledOnce(hits, "after a node left");
    }

    /**
     * Every URL is polled, each by one node: over 3 s at one poll per 200 ms, one poller makes about 15 requests,
     * two would make 30.
     */
    private static void assertPolledOnce(Map<String, AtomicInteger> hits, String when) {
        await("every URL polled " + when).atMost(SETTLES).until(() -> hits.size() == FEEDS);
        Map<String, Integer> before = new TreeMap<>();
        hits.forEach((path, count) -> before.put(path, count.get()));
        long start = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        double seconds = (System.nanoTime() - start) / 1e9;
        hits.forEach((path, count) -> assertThat((count.get() - before.get(path)) / seconds)
                .as("polls a second of " + path + " " + when).isBetween(1.5, 7.5));
    }

    @Test
    void aKilledNodeIsDownedByTheMajorityAndJoinsAgainWhenItRestarts(TestConfig test) throws Exception {
        int seed = MosquittoBroker.freePort();
        int[] http = {MosquittoBroker.freePort(), MosquittoBroker.freePort(), MosquittoBroker.freePort()};
        int[] remoting = {seed, MosquittoBroker.freePort(), MosquittoBroker.freePort()};
        List<Path> configs = new ArrayList<>();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A share group of its own: the first test's nodes left their sessions on this broker, members of the
            // default group still, and the broker would keep their share of this test's messages.
            configs.add(node(test, "p" + (i + 1), http[i], remoting[i], seed)
                    .with("sources.plant.share-group = processes").write());
            processes.add(DAEMONS.jar(configs.get(i)));
        }
        for (int port : http) {
            DaemonExtension.awaitReady(port);
            await("three members Up").atMost(SETTLES).until(() -> statuses(port).equals(Map.of("Up", 3)));
        }

        // 1,000 sensors, 5 readings a second each, for 10 s over MQTT, while the third node is killed and restarted.
        AtomicInteger rounds = new AtomicInteger();
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            try (TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
                long started = System.nanoTime();
                for (int i = 0; i < LOAD_ROUNDS; i++) {
                    List<CompletableFuture<Void>> acks = new ArrayList<>();
                    for (int s = 0; s < 1_000; s++) {
                        acks.add(sensors.publishAsync("sensors/load-" + s + "/temperature", "{\"value\": 21, "
                                + "\"ts\": " + (1_700_000_000_000L + i * 200L) + "}", Duration.ofSeconds(30)));
                    }
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                    rounds.incrementAndGet();
                    long wait = started + (i + 1) * 200_000_000L - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(SETTLES).until(() -> rounds.get() >= 15);

        processes.get(2).destroyForcibly(); // kill -9: no leave, no goodbye
        assertThat(processes.get(2).waitFor(10, TimeUnit.SECONDS)).isTrue();
        long killed = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            int port = http[i];
            await("the killed node downed and removed").atMost(SETTLES)
                    .until(() -> statuses(port).equals(Map.of("Up", 2)));
            assertThat(Http.get(port, "/health/ready").status()).as("two of three are the majority").isEqualTo(200);
        }
        System.out.printf("kill -9 -> removed from the cluster in %d ms%n", (System.nanoTime() - killed) / 1_000_000);
        // The killed node's shards live on the others now: readings of every sensor are evaluated and stored.
        StringBuilder batch = new StringBuilder("[");
        for (int s = 0; s < 100; s++) {
            batch.append(s == 0 ? "" : ",").append("{\"sensor\": \"after-").append(s)
                    .append("\", \"metric\": \"temperature\", \"value\": 35, \"timestamp\": 1700000000000}");
        }
        // Removed is not yet re-homed: the coordinator hands the killed node's shards out after that, and a batch
        // sent in between waits out its ask (10 s), past the push's HTTP timeout (5 s). Pushed again until a push is
        // answered; the store keeps each reading and each transition once however often it comes.
        String body = batch.append("]").toString();
        List<String> answers = new ArrayList<>();
        try {
            await("a push answered once the shards are re-homed").atMost(SETTLES).until(() -> {
                Http.Response answer = Http.post(http[0], "/api/v1/ingest", body);
                answers.add((System.nanoTime() - killed) / 1_000_000 + " ms: " + answer.status() + " " + answer.body());
                return answer.status() == 202;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("pushes after the kill: " + answers + "; the nodes' warnings:\n"
                    + warnings(DAEMONS.log()), e);
        }
        assertThat(DAEMONS.postgres().count("SELECT count(*) FROM alert_events WHERE sensor LIKE 'after-%'"))
                .as("each sensor's shard owner judged its reading before the 202").isEqualTo(100);
        System.out.printf("kill -9 -> every shard answering again in %d ms%n",
                (System.nanoTime() - killed) / 1_000_000);

        processes.set(2, DAEMONS.jar(configs.get(2)));
        DaemonExtension.awaitReady(http[2]);
        for (int port : http) {
            await("the restarted node is a member again").atMost(SETTLES)
                    .until(() -> statuses(port).equals(Map.of("Up", 3)));
        }
        publishing.get(60, TimeUnit.SECONDS);
        // What the killed node had taken and not acknowledged, and its share of what came while it was away, waited in
        // its MQTT session: back with its client id, it stores them.
        await("every reading published during the crash stored").atMost(Duration.ofSeconds(60))
                .until(() -> DAEMONS.postgres().count("SELECT count(*) FROM readings r JOIN series s "
                        + "ON s.id = r.series WHERE s.sensor LIKE 'load-%'") == 1_000L * LOAD_ROUNDS);

        // A partition: the frozen node cannot be told apart from one behind a broken link. The majority downs it; when
        // it wakes up it learns so and exits non-zero for its supervisor, instead of owning shards beside the others.
        long frozen = processes.get(1).pid();
        signal("STOP", frozen);
        try {
            for (int port : new int[] {http[0], http[2]}) {
                await("the frozen node downed by the majority").atMost(SETTLES)
                        .until(() -> statuses(port).equals(Map.of("Up", 2)));
            }
        } finally {
            signal("CONT", frozen);
        }
        assertThat(processes.get(1).waitFor(SETTLES.toSeconds(), TimeUnit.SECONDS)).as("the downed node stops")
                .isTrue();
        assertThat(processes.get(1).exitValue()).as("downed: a supervisor should start it again").isEqualTo(2);
        assertThat(Http.get(http[0], "/health/ready").status()).isEqualTo(200);
    }

    /** The last warnings of the jar processes' log, for a failure's message. */
    private static String warnings(java.nio.file.Path log) throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(log).stream()
                .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void signal(String signal, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
    }

    /** A sample of this node's /metrics, whatever its labels (the node's own among them). */
    private static double sample(int port, String name) {
        return Http.get(port, "/metrics").body().lines().filter(line -> line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static JsonNode cluster(int port) throws Exception {
        Http.Response response = Http.get(port, "/api/v1/admin/cluster");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Members by status, as the node on {@code port} sees them. */
    private static Map<String, Integer> statuses(int port) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode member : cluster(port).get("members")) {
            counts.merge(member.get("status").asText(), 1, Integer::sum);
        }
        return counts;
    }
}
