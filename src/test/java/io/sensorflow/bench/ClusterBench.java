package io.sensorflow.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.sensorflow.testing.MosquittoBroker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * CPU per reading of one daemon alone and of clusters of 1, 2 and 3 nodes, on one broker and one PostgreSQL, all on
 * this machine: the real jar as separate processes, the same generator at a fixed rate and then as fast as it can.
 * The CPU is every node's together, so it includes the hop from the node that took a message to its sensor's owner.
 *
 * <p>Run: {@code java -cp <test classpath> io.sensorflow.bench.ClusterBench --jar target/sensorflow.jar
 * [--nodes 0,1,2,3] [--rate 5000] [--seconds 30] [--readings 100000] [--sensors 1000] [--rules 100] [--shards 32]
 * [--pekko "pekko.cluster.sharding.handoff-timeout = 60s"]};
 * 0 nodes means a daemon without a cluster block. Every load loop is bounded in count and time; all traffic is on loopback.
 */
public final class ClusterBench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** HOCON added to every node's file ({@code --pekko}): Pekko's own keys, to compare settings. */
    private static String extra = "";

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("target/sensorflow.jar");
        List<Integer> sizes = List.of(0, 1, 2, 3);
        int rate = 5_000;
        int seconds = 30;
        long readings = 100_000;
        int sensors = 1_000;
        int rules = 100;
        int shards = 32;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[i + 1]);
                case "--nodes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt)
                        .toList();
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--readings" -> readings = Long.parseLong(args[i + 1]);
                case "--sensors" -> sensors = Integer.parseInt(args[i + 1]);
                case "--rules" -> rules = Integer.parseInt(args[i + 1]);
                case "--shards" -> shards = Integer.parseInt(args[i + 1]);
                case "--pekko" -> extra = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (int nodes : sizes) {
            // A broker of its own per run: the sessions of a run before stay members of the shared subscription
            // group and would keep a share of the messages (docs/scaling.md, "The broker and a node that dies").
            MosquittoBroker broker = MosquittoBroker.startProcess();
            try {
                run(broker, jar, nodes, rate, seconds, readings, sensors, rules, shards);
            } finally {
                broker.close();
            }
        }
        System.exit(0);
    }

    private static void run(MosquittoBroker broker, Path jar, int nodes, int rate, int seconds, long readings,
                            int sensors, int rules, int shards) throws Exception {
        String label = nodes == 0 ? "alone" : nodes + (nodes == 1 ? " node" : " nodes");
        List<DaemonProcess> daemons = new ArrayList<>();
        try (BenchDatabase database = BenchDatabase.create();
             Load load = new Load(broker.host(), broker.port(), sensors)) {
            int seed = MosquittoBroker.freePort();
            int[] http = new int[Math.max(1, nodes)];
            for (int n = 0; n < Math.max(1, nodes); n++) {
                Path dir = Files.createTempDirectory("sensorflow-cluster-bench");
                http[n] = MosquittoBroker.freePort();
                String config = BenchConfig.render(broker.url(), http[n], rules, database.url())
                        // A client id of its own per run: a resumed session keeps the subscriptions of the run
                        // before, shared or not, and would take messages twice over.
                        .replace("client-id = \"sensorflow-bench\"", "client-id = \"sensorflow-bench-" + label
                                .replace(' ', '-') + "-" + n + "\"");
                if (nodes > 0) {
                    int port = n == 0 ? seed : MosquittoBroker.freePort();
                    config = config.substring(0, config.lastIndexOf('}')) + "  cluster { bind = \"127.0.0.1:" + port
                            + "\", seed-nodes = [\"127.0.0.1:" + seed + "\"], shards = " + shards + " }\n}\n";
                }
                Path file = dir.resolve("bench.conf");
                Files.writeString(file, config + "\n" + extra + "\n");
                daemons.add(new DaemonProcess(jar, file, http[n], dir, List.of("-Xmx1g")));
            }
            if (nodes > 0) {
                awaitShards(http[0], nodes, shards);
            }
            load.publish(20_000, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(60), null);
            awaitStored(daemons, 20_000, Duration.ofSeconds(120));

            long before = stored(daemons);
            double cpu = cpu(daemons);
            long start = System.nanoTime();
            long published = load.publish((long) rate * seconds, rate, MqttQos.AT_LEAST_ONCE,
                    Duration.ofSeconds(seconds + 30L), null);
            boolean all = awaitStored(daemons, before + published, Duration.ofSeconds(120));
            double atRate = (cpu(daemons) - cpu) * 1e6 / published;
            double lag = (System.nanoTime() - start) / 1e9 - seconds;

            before = stored(daemons);
            cpu = cpu(daemons);
            start = System.nanoTime();
            published = load.publish(readings, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(120), null);
            all &= awaitStored(daemons, before + published, Duration.ofSeconds(300));
            double elapsed = (System.nanoTime() - start) / 1e9;
            double saturated = (cpu(daemons) - cpu) * 1e6 / published;
            System.out.printf(Locale.ROOT, "%s: at %,d/s %.1f µs CPU per reading (all nodes), done %.1f s after the "
                            + "last publish; saturation %,d readings/s at %.1f µs per reading%s%n", label, rate, atRate,
                    lag, Math.round(published / elapsed), saturated, all ? "" : " (NOT ALL STORED)");
        } finally {
            for (DaemonProcess daemon : daemons) {
                daemon.close();
            }
        }
    }

    private static double cpu(List<DaemonProcess> daemons) throws Exception {
        double sum = 0;
        for (DaemonProcess daemon : daemons) {
            sum += daemon.cpuSeconds();
        }
        return sum;
    }

    /**
     * Readings every node committed, and those the store already had: a generator that stamps readings with the
     * millisecond now and then stamps two of one sensor alike, and the second is a duplicate, not a loss.
     */
    private static long stored(List<DaemonProcess> daemons) throws Exception {
        double sum = 0;
        for (DaemonProcess daemon : daemons) {
            sum += daemon.metric("sensorflow_readings_stored_total")
                    + daemon.metric("sensorflow_readings_duplicate_total");
        }
        return (long) sum;
    }

    private static boolean awaitStored(List<DaemonProcess> daemons, long count, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (stored(daemons) >= count) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return false;
    }

    /** Until every node is Up and every shard placed, as the first node sees it. */
    private static void awaitShards(int port, int nodes, int shards) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/admin/cluster")).build(), HttpResponse.BodyHandlers.ofString()).body();
            com.fasterxml.jackson.databind.JsonNode view = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(body);
            int placed = 0;
            for (com.fasterxml.jackson.databind.JsonNode onNode : view.path("shards")) {
                placed += onNode.size();
            }
            int up = 0;
            for (com.fasterxml.jackson.databind.JsonNode member : view.path("members")) {
                up += member.path("status").asText().equals("Up") ? 1 : 0;
            }
            if (up == nodes && placed == shards) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("the cluster did not place its shards within 60 s");
    }
}
