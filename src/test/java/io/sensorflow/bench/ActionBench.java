package io.sensorflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.MosquittoBroker;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What actions cost and how fast they arrive: the real jar against a private mosquitto and webhook receivers in this
 * process, on loopback. Three measures, each in one run:
 * <ol>
 *   <li><b>latency</b>: every reading flips its sensor across the threshold, at {@code --rate} readings/s, so each
 *   one is an alert transition and a webhook delivery; the time from publishing the reading to the receiver having
 *   the call, p50/p99;</li>
 *   <li><b>outbox cost</b>: ingest flat out with one transition in ten readings, the rule with a webhook action and
 *   the same rule without, alternating (with, without, without, with); readings/s and daemon CPU per reading;</li>
 *   <li><b>breaker</b>: the latency phase with only the working receiver, then with a second target beside it that
 *   accepts connections and never answers.</li>
 * </ol>
 *
 * <p>Run: {@code mvn -B -Paction-bench package -DskipTests} (options via {@code -Dbench.args="--rate 1000 ..."}).
 * Every load loop is bounded in count and time.
 */
public final class ActionBench {

    private final Map<String, String> options;
    private final Path jar;
    private final Path out;
    private final int sensors;
    private final int rate;
    private final int seconds;
    private final int warmup;
    private final long readings;
    private final List<String> jvm;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private ActionBench(Map<String, String> options) {
        this.options = options;
        this.jar = Path.of(options.get("jar"));
        this.out = Path.of(options.getOrDefault("out", "target/action-bench"));
        this.sensors = bounded("sensors", 1000, 10, 100_000);
        this.rate = bounded("rate", 1000, 10, 20_000);
        this.seconds = bounded("seconds", 20, 5, 300);
        // On two cores the JIT is still compiling (C2) half a minute into a run at 1,000 deliveries/s.
        this.warmup = bounded("warmup", 30, 1, 300);
        this.readings = bounded("readings", 150_000, 10_000, 2_000_000);
        String flags = options.getOrDefault("jvm", "");
        this.jvm = flags.isBlank() ? List.of() : List.of(flags.trim().split("\\s+"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        List<String> known = List.of("jar", "out", "sensors", "rate", "seconds", "warmup", "readings", "jvm",
                "only");
        // --only: any of baseline (the latency phase without actions), latency, cost, breaker
        if (!known.containsAll(options.keySet())) {
            throw new IllegalArgumentException("unknown options; known: " + known);
        }
        new ActionBench(options).run();
        System.exit(0);
    }

    private int bounded(String key, int fallback, int min, int max) {
        int value = Integer.parseInt(options.getOrDefault(key, Integer.toString(fallback)));
        if (value < min || value > max) {
            throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max);
        }
        return value;
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        results.put("started", Instant.now().toString());
        results.put("cores", Runtime.getRuntime().availableProcessors());
        results.put("options", Map.of("sensors", sensors, "rate", rate, "seconds", seconds, "warmup", warmup,
                "readings", readings, "jvm", jvm));
        String only = options.getOrDefault("only", "latency,cost,breaker");
        MosquittoBroker broker = MosquittoBroker.startProcess();
        try (Hook hook = new Hook(); DeadTarget dead = new DeadTarget()) {
            if (only.contains("baseline")) {
                results.put("baseline_without_actions", paced(broker, hook, null, false));
            }
            if (only.contains("latency")) {
                results.put("latency", paced(broker, hook, null, true));
            }
            if (only.contains("cost")) {
                results.put("outbox_cost", cost(broker, hook));
            }
            if (only.contains("breaker")) {
                Map<String, Object> breaker = new LinkedHashMap<>();
                breaker.put("live_alone", paced(broker, hook, null, true));
                breaker.put("live_beside_dead", paced(broker, hook, dead, true));
                results.put("breaker", breaker);
            }
        } finally {
            broker.close();
        }
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results);
        Files.writeString(out.resolve("results.json"), json);
        System.out.println(json);
        System.out.println("written: " + out.resolve("results.json"));
    }

    /**
     * Readings at {@code rate}/s, each one a transition, for {@code seconds} after {@code warmup} seconds; the webhook
     * receiver times each call from the reading's publication. With {@code dead}, a second action on the same rule
     * calls a target that never answers.
     */
    private Map<String, Object> paced(MosquittoBroker broker, Hook hook, DeadTarget dead, boolean act)
            throws Exception {
        String actions = !act ? "[]" : dead == null ? "[hook]" : "[hook, dead]";
        String extra = dead == null ? "" : "dead { type = webhook, url = \"http://127.0.0.1:" + dead.port()
                + "/x\", timeout = 10s }";
        try (Daemon daemon = Daemon.start(jar, jvm, broker, config(actions, hook.port(), extra));
             Load load = new Load(broker.host(), broker.port(), sensors, 1)) {
            load.publish((long) rate * warmup, rate, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(warmup + 30L), hook);
            if (act) {
                hook.awaitQuiet((long) rate * warmup);
            } else {
                awaitStored(daemon, (long) rate * warmup, Duration.ofSeconds(30));
            }
            hook.reset();
            double cpu = daemon.process.cpuSeconds();
            double stored = daemon.process.metric("sensorflow_readings_stored_total");
            double deliveries = daemon.process.metric("sensorflow_action_delivery_seconds_count");
            double deliverySum = daemon.process.metric("sensorflow_action_delivery_seconds_sum");
            long start = System.nanoTime();
            long count = (long) rate * seconds;
            long sent = load.publish(count, rate, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(seconds + 30L), hook);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (act) {
                hook.awaitQuiet(sent);
            } else {
                awaitStored(daemon, (long) stored + sent, Duration.ofSeconds(30));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("readings_sent", sent);
            r.put("readings_per_s_sent", Math.round(sent / elapsed));
            r.put("readings_stored", (long) (daemon.process.metric("sensorflow_readings_stored_total") - stored));
            r.put("webhook_calls", hook.calls());
            r.put("unmatched_calls", hook.unmatched());
            r.put("publish_to_webhook", latency(hook.latency()));
            double done = daemon.process.metric("sensorflow_action_delivery_seconds_count") - deliveries;
            r.put("daemon_transition_to_done_mean_ms", done == 0 ? 0 : round2(
                    (daemon.process.metric("sensorflow_action_delivery_seconds_sum") - deliverySum) * 1000 / done));
            double cores = (daemon.process.cpuSeconds() - cpu) / elapsed;
            r.put("daemon_cpu_cores", round2(cores));
            r.put("daemon_cpu_us_per_reading", round2(cores * 1e6 / Math.max(1, sent / elapsed)));
            if (dead != null) {
                r.put("dead_connections", dead.connections());
                r.put("dead_breaker_open", daemon.process.metric("sensorflow_action_breaker_open{action=\"dead\"}"));
                r.put("dead_pending", (long) daemon.process.metric("sensorflow_outbox_pending"));
            }
            log("%s: %s", !act ? "without actions" : dead == null ? "webhook" : "webhook beside a dead target", r);
            return r;
        }
    }

    /** Ingest flat out, one transition in ten readings, with and without the webhook action, ABBA. */
    private Map<String, Object> cost(MosquittoBroker broker, Hook hook) throws Exception {
        Map<String, List<Map<String, Object>>> rounds = new LinkedHashMap<>();
        for (boolean with : new boolean[] {true, false, false, true}) {
            hook.reset();
            try (Daemon daemon = Daemon.start(jar, jvm, broker, config(with ? "[hook]" : "[]", hook.port(), ""));
                 Load load = new Load(broker.host(), broker.port(), sensors, 10)) {
                load.publish(20_000, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(60), null);
                awaitStored(daemon, 20_000, Duration.ofSeconds(60));
                double before = daemon.process.metric("sensorflow_readings_stored_total");
                double cpu = daemon.process.cpuSeconds();
                long start = System.nanoTime();
                long sent = load.publish(readings, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(120), null);
                // Until the last reading is stored, or none was for two seconds: Mosquitto 2.0.11 overruns the
                // daemon's receive window at this rate (eclipse/mosquitto#2306), the daemon reconnects, and what
                // the broker dropped meanwhile never comes (counted below, not waited for).
                long lastStored = awaitQuietStored(daemon, (long) before + sent, Duration.ofSeconds(180));
                double elapsed = (lastStored - start) / 1e9;
                double cpuUsed = daemon.process.cpuSeconds() - cpu;
                long stored = (long) (daemon.process.metric("sensorflow_readings_stored_total") - before);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("readings", stored);
                r.put("published", sent);
                r.put("lost_at_broker", Math.max(0, sent - stored));
                r.put("readings_per_s", Math.round(stored / elapsed));
                r.put("daemon_cpu_cores", round2(cpuUsed / elapsed));
                r.put("daemon_cpu_us_per_reading", round2(cpuUsed * 1e6 / Math.max(1, stored)));
                if (with) {
                    // The deliveries of the measured readings may still be under way: how long until they are done.
                    long drainStart = System.nanoTime();
                    long deadline = drainStart + TimeUnit.SECONDS.toNanos(120);
                    while (daemon.process.metric("sensorflow_outbox_pending") > 0 && System.nanoTime() < deadline) {
                        TimeUnit.MILLISECONDS.sleep(200);
                    }
                    r.put("outbox_drained_after_s", round2((System.nanoTime() - drainStart) / 1e9));
                    r.put("webhook_calls", hook.calls());
                    r.put("transitions_per_s", Math.round(stored / 10.0 / elapsed));
                }
                log("%s: %s", with ? "with webhook" : "without actions", r);
                rounds.computeIfAbsent(with ? "with_webhook" : "without_actions", k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>(rounds);
        result.put("throughput_kept", round2(mean(rounds.get("with_webhook"), "readings_per_s")
                / mean(rounds.get("without_actions"), "readings_per_s")));
        result.put("cpu_per_reading_ratio", round2(mean(rounds.get("with_webhook"), "daemon_cpu_us_per_reading")
                / mean(rounds.get("without_actions"), "daemon_cpu_us_per_reading")));
        return result;
    }

    private static double mean(List<Map<String, Object>> rounds, String key) {
        return rounds.stream().mapToDouble(r -> ((Number) r.get(key)).doubleValue()).average().orElse(Double.NaN);
    }

    /** When the stored count last grew (System.nanoTime), once it reached {@code target} or stood still for 2 s. */
    private static long awaitQuietStored(Daemon daemon, long target, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        double last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            double now = daemon.process.metric("sensorflow_readings_stored_total");
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            }
            if (now >= target || System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(2)) {
                return lastChange;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return lastChange;
    }

    private static boolean awaitStored(Daemon daemon, long target, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (daemon.process.metric("sensorflow_readings_stored_total") >= target) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return false;
    }

    private static String config(String actions, int hookPort, String extraAction) {
        return """
                store { type = sqlite, path = "bench.db" }
                rules.flip { match { metric = "temperature" }, when = "value > 30.0", clear-when = "value < 28.0",
                  severity = warning, actions = %s }
                actions {
                  hook { type = webhook, url = "http://127.0.0.1:%d/hook", body = "{{sensor}} {{timestamp}}",
                    content-type = "text/plain" }
                  %s
                }
                """.formatted(actions, hookPort, extraAction);
    }

    private static Map<String, Object> latency(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50_ms", round2(h.getValueAtPercentile(50) / 1000.0));
        m.put("p90_ms", round2(h.getValueAtPercentile(90) / 1000.0));
        m.put("p99_ms", round2(h.getValueAtPercentile(99) / 1000.0));
        m.put("max_ms", round2(h.getMaxValue() / 1000.0));
        return m;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[action-bench %s] %s%n", Instant.now(), String.format(format, args));
    }

    /** The daemon under test: the real jar in its own process, its config in a fresh directory. */
    private record Daemon(DaemonProcess process) implements AutoCloseable {

        static Daemon start(Path jar, List<String> jvm, MosquittoBroker broker, String body) throws Exception {
            Path dir = Files.createTempDirectory("sensorflow-action-bench");
            int httpPort = MosquittoBroker.freePort();
            Path config = dir.resolve("bench.conf");
            Files.writeString(config, """
                    sensorflow {
                      http { host = "127.0.0.1", port = %d }
                      sources.plant {
                        type = mqtt
                        url = "%s"
                        client-id = "sensorflow-action-bench-%d"
                        subscriptions = [ { topic = "sensors/{sensor}/{metric}", qos = 1, format = json,
                          value = "/value", timestamp = "/ts" } ]
                      }
                    %s
                    }
                    """.formatted(httpPort, broker.url(), System.nanoTime(), body));
            return new Daemon(new DaemonProcess(jar, config, httpPort, dir, jvm));
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** The webhook receiver: answers 200 at once and times each call from its reading's publication. */
    private static final class Hook implements AutoCloseable, Load.Sent {
        private final HttpServer server;
        private final ConcurrentHashMap<String, Long> sent = new ConcurrentHashMap<>();
        private final Histogram micros = new Histogram(120_000_000L, 3);
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong unmatched = new AtomicLong();

        Hook() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.createContext("/hook", exchange -> {
                long now = System.nanoTime();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
                calls.incrementAndGet();
                int space = body.indexOf(' ');
                Long at = space < 0 ? null : sent.remove(body.substring(0, space) + "@" + body.substring(space + 1));
                if (at == null) {
                    unmatched.incrementAndGet();
                } else {
                    synchronized (micros) {
                        micros.recordValue(Math.min((now - at) / 1000, 120_000_000L));
                    }
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void record(String sensor, long ts, long nanos) {
            sent.put(sensor + "@" + ts, nanos);
        }

        void reset() {
            synchronized (micros) {
                micros.reset();
            }
            calls.set(0);
            unmatched.set(0);
            sent.clear();
        }

        long calls() {
            return calls.get();
        }

        long unmatched() {
            return unmatched.get();
        }

        Histogram latency() {
            synchronized (micros) {
                return micros.copy();
            }
        }

        /** Until {@code target} calls arrived or none came for two seconds; at most a minute. */
        void awaitQuiet(long target) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            long last = -1;
            long lastChange = System.nanoTime();
            while (System.nanoTime() < deadline && calls.get() < target) {
                long now = calls.get();
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(2)) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    /** Accepts connections and never answers: a target whose process hangs. */
    private static final class DeadTarget implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());
        private final Thread acceptor;

        DeadTarget() throws IOException {
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        held.add(socket.accept());
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "dead-target");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
