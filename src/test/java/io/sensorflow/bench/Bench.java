package io.sensorflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.sensorflow.testing.MosquittoBroker;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The end-to-end benchmark: the broker's own limit with a plain subscriber, then sensorflow (the real jar, its own
 * process) on the same broker with the same generator, in one run on one machine. Writes results.json and results.md.
 *
 * <p>Run: {@code mvn -B -Pbench package -DskipTests} (options via {@code -Dbench.args="--sensors 1000 ..."}).
 * Every load loop is bounded in count and time, and all traffic stays on loopback.
 */
public final class Bench {

    private final Options options;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private Bench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        new Bench(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(options.out);
        results.put("started", Instant.now().toString());
        results.put("machine", machine());
        results.put("options", options.describe());
        log("broker: private mosquitto (fixture settings) on a free loopback port");
        MosquittoBroker broker = MosquittoBroker.startProcess();
        try {
            measureLimit(broker);
            measureSensorflow(broker);
            measureNodeRed(broker);
        } finally {
            broker.close();
        }
        report();
    }

    // ---- the limit: a plain subscriber that only counts ----

    private void measureLimit(MosquittoBroker broker) throws Exception {
        for (MqttQos qos : List.of(MqttQos.AT_MOST_ONCE, MqttQos.AT_LEAST_ONCE)) {
            try (Receiver rx = new Receiver(broker.host(), broker.port(), Load.TOPIC_PREFIX + "#", qos, false);
                 Load load = new Load(broker.host(), broker.port(), options.sensors)) {
                load.publish(options.warmup, 0, qos, Duration.ofSeconds(60), null);
                awaitQuiet(rx::count, options.warmup);
                rx.resetCount();
                double cpuBefore = rx.cpuSeconds();
                long start = System.nanoTime();
                long published = load.publish(options.readings, 0, qos, Duration.ofSeconds(120), null);
                awaitQuiet(rx::count, published);
                double seconds = (rx.lastNanos() - start) / 1e9;
                double cpuMicros = perReading((rx.cpuSeconds() - cpuBefore) * 1e6, rx.count());
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("published", published);
                r.put("received", rx.count());
                r.put("readings_per_s", Math.round(rx.count() / seconds));
                r.put("cpu_us_per_reading", round2(cpuMicros));
                results.put("limit_qos" + qos.getCode(), r);
                log("limit qos%d: %d of %d received, %,d readings/s, %.1f µs of the subscriber's CPU per reading",
                        qos.getCode(), rx.count(), published, Math.round(rx.count() / seconds), cpuMicros);
            }
        }
        try (Receiver rx = new Receiver(broker.host(), broker.port(), Load.TOPIC_PREFIX + "#", MqttQos.AT_LEAST_ONCE, false);
             Load load = new Load(broker.host(), broker.port(), options.sensors)) {
            rx.startTiming();
            load.publish((long) options.rate * options.rateSeconds, options.rate, MqttQos.AT_LEAST_ONCE,
                    Duration.ofSeconds(options.rateSeconds + 30L), null);
            awaitQuiet(rx::count, (long) options.rate * options.rateSeconds);
            rx.stopTiming();
            results.put("limit_latency_at_rate", latency(rx.latency()));
            log("limit latency at %,d/s: %s", options.rate, latency(rx.latency()));
        }
    }

    // ---- sensorflow ----

    private void measureSensorflow(MosquittoBroker broker) throws Exception {
        Path dir = Files.createTempDirectory("sensorflow-bench");
        int httpPort = MosquittoBroker.freePort();
        Path config = dir.resolve("bench.conf");
        if (!options.store.equals("sqlite") && !options.store.equals("postgres")) {
            throw new IllegalArgumentException("--store must be sqlite or postgres");
        }
        // PostgreSQL: a throwaway database on the machine's server, dropped at the end.
        BenchDatabase database = options.store.equals("postgres") ? BenchDatabase.create() : null;
        Files.writeString(config, BenchConfig.render(broker.url(), httpPort, options.rules,
                database == null ? null : database.url()));
        log("sensorflow: %s, %d rules, %d sensors, store %s, jvm %s", options.jar, options.rules, options.sensors,
                options.store, options.jvm);
        try (database; Receiver alerts = new Receiver(broker.host(), broker.port(), "alerts/#", MqttQos.AT_LEAST_ONCE, true);
             Load load = new Load(broker.host(), broker.port(), options.sensors);
             DaemonProcess daemon = new DaemonProcess(options.jar, config, httpPort, dir, options.jvm)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("ready_ms", daemon.readyMillis);
            log("ready after %d ms", daemon.readyMillis);
            LongSupplier stored = () -> {
                try {
                    return (long) daemon.metric("sensorflow_readings_stored_total");
                } catch (Exception e) {
                    return -1;
                }
            };

            load.publish(options.warmup, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(60), null);
            awaitCount(stored, options.warmup, Duration.ofSeconds(120));

            // Saturation: as fast as the generator can publish; the figure is until the last reading is committed.
            long before = stored.getAsLong();
            double cpuBefore = daemon.cpuSeconds();
            double allocatedBefore = daemon.edenAllocatedBytes();
            long start = System.nanoTime();
            long published = load.publish(options.readings, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(120), null);
            boolean complete = awaitCount(stored, before + published, Duration.ofSeconds(300));
            double seconds = (System.nanoTime() - start) / 1e9;
            long storedNow = stored.getAsLong() - before;
            double cpu = daemon.cpuSeconds() - cpuBefore;
            r.put("saturation_published", published);
            r.put("saturation_stored", storedNow);
            r.put("saturation_complete", complete);
            r.put("saturation_readings_per_s", Math.round(storedNow / seconds));
            r.put("saturation_cpu_cores", round2(cpu / seconds));
            r.put("saturation_cpu_us_per_reading", round2(perReading(cpu * 1e6, storedNow)));
            r.put("saturation_allocated_bytes_per_reading",
                    Math.round(perReading(daemon.edenAllocatedBytes() - allocatedBefore, storedNow)));
            log("saturation: %d of %d stored in %.2f s: %,d readings/s, daemon used %.2f cores: %.1f µs and %,d bytes "
                    + "allocated per reading", storedNow, published, seconds, Math.round(storedNow / seconds),
                    cpu / seconds, perReading(cpu * 1e6, storedNow), r.get("saturation_allocated_bytes_per_reading"));

            // Sustained: 80 % of the saturation rate for a while; lag must drain within a second afterwards.
            int sustained = (int) Math.max(1000, Math.round(storedNow / seconds * 0.8 / 1000) * 1000);
            before = stored.getAsLong();
            long sustainedCount = (long) sustained * options.sustainSeconds;
            long sent = load.publish(sustainedCount, sustained, MqttQos.AT_LEAST_ONCE,
                    Duration.ofSeconds(options.sustainSeconds + 30L), null);
            long lagAtEnd = before + sent - stored.getAsLong();
            boolean drained = awaitCount(stored, before + sent, Duration.ofSeconds(5));
            r.put("sustained_rate", sustained);
            r.put("sustained_lag_at_end", lagAtEnd);
            r.put("sustained_drained_within_5s", drained);
            log("sustained %,d/s for %d s: lag at end %d readings, drained: %s", sustained, options.sustainSeconds,
                    lagAtEnd, drained);

            // The phases before made alerts faster than actions are delivered on two saturated cores: their
            // deliveries wait in the outbox. The latency phase must not time its alerts behind that backlog, so it
            // starts once the outbox is empty; how long that took is the outbox's own rate.
            r.put("outbox_backlog", outboxDrain(daemon));

            // Fixed moderate rate: publish -> alert latency.
            double commitsBefore = daemon.metric("sensorflow_store_commit_seconds_count");
            double commitSecondsBefore = daemon.metric("sensorflow_store_commit_seconds_sum");
            double rowsBefore = daemon.metric("sensorflow_store_commit_rows_sum");
            alerts.startTiming();
            long rateCount = (long) options.rate * options.rateSeconds;
            long storedBeforeRate = stored.getAsLong();
            double cpuBeforeRate = daemon.cpuSeconds();
            double allocatedBeforeRate = daemon.edenAllocatedBytes();
            load.publish(rateCount, options.rate, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(options.rateSeconds + 30L),
                    alerts);
            awaitQuiet(alerts::count, Long.MAX_VALUE);
            alerts.stopTiming();
            long storedAtRate = stored.getAsLong() - storedBeforeRate;
            // Eden's allocation is counted at each young collection, so the figure is good to one eden's worth
            // (tens of MB) over the run: a fraction of what 100,000 readings allocate.
            r.put("rate_cpu_us_per_reading", round2(perReading((daemon.cpuSeconds() - cpuBeforeRate) * 1e6,
                    storedAtRate)));
            r.put("rate_allocated_bytes_per_reading",
                    Math.round(perReading(daemon.edenAllocatedBytes() - allocatedBeforeRate, storedAtRate)));
            log("at %,d/s: %s µs of CPU and %,d bytes allocated per reading", options.rate,
                    r.get("rate_cpu_us_per_reading"), r.get("rate_allocated_bytes_per_reading"));
            r.put("alert_latency_at_rate", latency(alerts.latency()));
            log("alert latency at %,d/s: %s", options.rate, latency(alerts.latency()));
            List<String> slow = alerts.slowSlots(25);
            r.put("alert_slow_slots", slow);
            log("100 ms slots with an alert over 25 ms: %d of %d: %s", slow.size(), options.rateSeconds * 10,
                    slow.size() > 40 ? slow.subList(0, 40) + " ..." : slow);
            double commits = daemon.metric("sensorflow_store_commit_seconds_count") - commitsBefore;
            if (commits > 0) {
                double commitMs = (daemon.metric("sensorflow_store_commit_seconds_sum") - commitSecondsBefore)
                        * 1000 / commits;
                double rows = (daemon.metric("sensorflow_store_commit_rows_sum") - rowsBefore) / commits;
                r.put("commits_at_rate", Map.of("count", (long) commits, "mean_ms", commitMs, "mean_rows", rows));
                log("commits at %,d/s: %,.0f, mean %.2f ms, mean %.1f rows", options.rate, commits, commitMs, rows);
                log("commit durations over the whole run: %s", daemon.metricLines("sensorflow_store_commit_seconds_bucket"));
            }

            // HTTP push of line protocol, as Telegraf writes it: what gets committed, and at what CPU per reading.
            Map<String, Object> push = PushLoad.run(daemon, httpPort, options.pushClients, options.pushBatch,
                    options.pushReadings, options.sensors, stored, Duration.ofSeconds(120));
            r.put("http_push", push);
            log("http push, line protocol, %d clients x %,d lines: %,d of %,d committed, %,d readings/s, %.2f cores, "
                            + "%.1f µs and %,d bytes per reading; %d busy answers, %d failed batches",
                    options.pushClients, options.pushBatch, push.get("committed"), options.pushReadings,
                    push.get("readings_per_s"), push.get("cpu_cores"), push.get("cpu_us_per_reading"),
                    push.get("allocated_bytes_per_reading"), push.get("busy_answers"), push.get("failed_batches"));
            if (push.containsKey("first_failure")) {
                log("http push: the first failed batch was answered %s", push.get("first_failure"));
            }

            if (options.soakMinutes > 0) {
                r.put("soak", soak(load, daemon, stored));
            }

            r.put("duplicates", (long) daemon.metric("sensorflow_readings_duplicate_total"));
            r.put("decode_errors", (long) daemon.metric("sensorflow_decode_errors_total"));
            r.put("failed_actions", (long) daemon.metric("sensorflow_actions_total{action=\"alert\",outcome=\"failed\"}"));
            r.put("alerts_total", (long) daemon.metric("sensorflow_alerts_total"));
            r.put("peak_rss_mb", Math.round(daemon.peakRssMb()));
            r.put("max_gc_pause_ms", round2(daemon.maxGcPauseMillis()));
            log("peak RSS %s MB, max GC pause %s ms", r.get("peak_rss_mb"), r.get("max_gc_pause_ms"));
            r.put("sigterm_exit_code", daemon.stop());
            results.put("sensorflow", r);
        }
    }

    /** Waits (at most 5 min) until the outbox has nothing pending or running; says how much there was and how fast it went. */
    private static Map<String, Object> outboxDrain(DaemonProcess daemon) throws Exception {
        String ok = "sensorflow_actions_total{action=\"alert\",outcome=\"ok\"}";
        // The pending gauge is counted at most once a second: wait for one count after the phase ended.
        TimeUnit.MILLISECONDS.sleep(1100);
        long pending = (long) daemon.metric("sensorflow_outbox_pending");
        double okBefore = daemon.metric(ok);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline && (daemon.metric("sensorflow_outbox_pending") > 0
                || daemon.metric("sensorflow_outbox_running") > 0)) {
            TimeUnit.MILLISECONDS.sleep(250);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double delivered = daemon.metric(ok) - okBefore;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pending", pending);
        m.put("drain_seconds", round2(seconds));
        m.put("delivered_per_s", seconds > 0.5 ? Math.round(delivered / seconds) : 0);
        log("outbox after the sustained phase: %,d deliveries pending, drained in %.1f s (%,.0f delivered/s)",
                pending, seconds, seconds > 0 ? delivered / seconds : 0);
        return m;
    }

    /**
     * A steady {@code rate} for {@code soak-minutes}, in 30 s steps: resident memory and backlog after each step
     * show whether memory stays flat and the daemon keeps up.
     */
    private Map<String, Object> soak(Load load, DaemonProcess daemon, LongSupplier stored) throws Exception {
        List<Long> rss = new ArrayList<>();
        List<Long> lag = new ArrayList<>();
        long steps = options.soakMinutes * 2L;
        long before = stored.getAsLong();
        long sent = 0;
        for (long step = 0; step < steps; step++) {
            sent += load.publish((long) options.rate * 30, options.rate, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(60), null);
            rss.add(Math.round(daemon.rssMb()));
            lag.add(before + sent - stored.getAsLong());
            log("soak %d/%d: RSS %d MB, backlog %d readings", step + 1, steps, rss.get(rss.size() - 1),
                    lag.get(lag.size() - 1));
        }
        boolean drained = awaitCount(stored, before + sent, Duration.ofSeconds(30));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minutes", options.soakMinutes);
        m.put("rate", options.rate);
        m.put("readings", sent);
        m.put("rss_mb_every_30s", rss);
        m.put("backlog_every_30s", lag);
        m.put("drained", drained);
        return m;
    }

    // ---- Node-RED, when installed ----

    private void measureNodeRed(MosquittoBroker broker) throws Exception {
        Path red = NodeRed.find(options.nodeRed);
        if (red == null) {
            log("node-red: not installed under %s (npm install --prefix %s node-red@4); skipped", options.nodeRed,
                    options.nodeRed);
            return;
        }
        Path dir = Files.createTempDirectory("node-red-bench");
        try (NodeRed nodeRed = NodeRed.start(red, broker.host(), broker.port(), MosquittoBroker.freePort(), dir);
             Load load = new Load(broker.host(), broker.port(), options.sensors)) {
            load.publish(options.warmup, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(60), null);
            awaitCount(nodeRed::linesOrZero, options.warmup, Duration.ofSeconds(120));
            long before = nodeRed.linesOrZero();
            double cpuBefore = nodeRed.cpuSeconds();
            long start = System.nanoTime();
            long published = load.publish(options.readings, 0, MqttQos.AT_LEAST_ONCE, Duration.ofSeconds(120), null);
            boolean complete = awaitCount(nodeRed::linesOrZero, before + published, NodeRed.timeout());
            double seconds = (System.nanoTime() - start) / 1e9;
            long written = nodeRed.linesOrZero() - before;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("version", nodeRed.version());
            r.put("saturation_published", published);
            r.put("saturation_written", written);
            r.put("saturation_complete", complete);
            r.put("saturation_readings_per_s", Math.round(written / seconds));
            double cpu = nodeRed.cpuSeconds() - cpuBefore;
            r.put("saturation_cpu_cores", round2(cpu / seconds));
            r.put("saturation_cpu_us_per_reading", round2(perReading(cpu * 1e6, written)));
            results.put("node_red", r);
            log("node-red %s: %d of %d written in %.2f s: %,d readings/s, used %.2f cores", nodeRed.version(), written,
                    published, seconds, Math.round(written / seconds), (nodeRed.cpuSeconds() - cpuBefore) / seconds);
        }
    }

    // ---- helpers ----

    private static double perReading(double total, long readings) {
        return readings > 0 ? total / readings : Double.NaN;
    }

    /** Waits until a counter stops moving for a second (or reaches the target); bounded to two minutes. */
    private static void awaitQuiet(LongSupplier counter, long target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = counter.getAsLong();
            if (now >= target) {
                return;
            }
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    /**
     * Polls the daemon's /metrics every 50 ms (a scrape costs the daemon real work: polling every few ms showed
     * up as the top item in its profile), so figures are at most 50 ms pessimistic.
     */
    private static boolean awaitCount(LongSupplier counter, long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (counter.getAsLong() >= target) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return counter.getAsLong() >= target;
    }

    private static Map<String, Object> latency(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50_ms", round2(h.getValueAtPercentile(50) / 1000.0));
        m.put("p90_ms", round2(h.getValueAtPercentile(90) / 1000.0));
        m.put("p99_ms", round2(h.getValueAtPercentile(99) / 1000.0));
        m.put("p999_ms", round2(h.getValueAtPercentile(99.9) / 1000.0));
        m.put("max_ms", round2(h.getMaxValue() / 1000.0));
        return m;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static Map<String, Object> machine() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        try {
            Process p = new ProcessBuilder("mosquitto", "-h").redirectErrorStream(true).start();
            m.put("mosquitto", new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("?"));
        } catch (IOException e) {
            m.put("mosquitto", "?");
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private void report() throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(options.out.resolve("results.json"), json.writeValueAsString(results));
        Map<String, Object> q0 = (Map<String, Object>) results.get("limit_qos0");
        Map<String, Object> q1 = (Map<String, Object>) results.get("limit_qos1");
        Map<String, Object> sf = (Map<String, Object>) results.get("sensorflow");
        Map<String, Object> limitLatency = (Map<String, Object>) results.get("limit_latency_at_rate");
        Map<String, Object> alertLatency = (Map<String, Object>) sf.get("alert_latency_at_rate");
        long limit1 = ((Number) q1.get("readings_per_s")).longValue();
        long sat = ((Number) sf.get("saturation_readings_per_s")).longValue();
        List<String> md = new ArrayList<>();
        md.add("| measure | value |");
        md.add("|---|---|");
        md.add(row("broker limit, QoS 0 (plain subscriber)", q0.get("readings_per_s") + " readings/s ("
                + q0.get("received") + " of " + q0.get("published") + " received, " + q0.get("cpu_us_per_reading")
                + " µs of the subscriber's CPU per reading)"));
        md.add(row("broker limit, QoS 1 (plain subscriber)", limit1 + " readings/s (" + q1.get("cpu_us_per_reading")
                + " µs of the subscriber's CPU per reading)"));
        md.add(row("sensorflow, QoS 1, every reading committed to " + options.store, sat + " readings/s ("
                + sf.get("saturation_stored") + " of " + sf.get("saturation_published") + " stored)"));
        md.add(row("sensorflow / limit (QoS 1)", String.format(Locale.ROOT, "%.0f %%", 100.0 * sat / limit1)));
        md.add(row("sensorflow CPU at saturation", sf.get("saturation_cpu_cores") + " cores, "
                + sf.get("saturation_cpu_us_per_reading") + " µs per reading"));
        md.add(row("sensorflow allocation per reading", sf.get("saturation_allocated_bytes_per_reading")
                + " bytes at saturation, " + sf.get("rate_allocated_bytes_per_reading") + " at " + options.rate + "/s"));
        md.add(row("sensorflow CPU per reading at " + options.rate + "/s", sf.get("rate_cpu_us_per_reading") + " µs"));
        Map<String, Object> nr = (Map<String, Object>) results.get("node_red");
        if (nr != null) {
            long nodeRed = ((Number) nr.get("saturation_readings_per_s")).longValue();
            md.add(row("Node-RED " + nr.get("version") + ", QoS 1, every reading appended to a file", nodeRed
                    + " readings/s (" + nr.get("saturation_written") + " of " + nr.get("saturation_published")
                    + " written, " + nr.get("saturation_cpu_cores") + " cores, " + nr.get("saturation_cpu_us_per_reading")
                    + " µs per reading)"));
            md.add(row("sensorflow / Node-RED", String.format(Locale.ROOT, "%.1f x", (double) sat / nodeRed)));
        } else {
            md.add(row("Node-RED", "not installed, not measured"));
        }
        md.add(row("sustained " + sf.get("sustained_rate") + " readings/s for " + options.sustainSeconds + " s",
                "lag at end " + sf.get("sustained_lag_at_end") + ", drained within 5 s: " + sf.get("sustained_drained_within_5s")));
        @SuppressWarnings("unchecked")
        Map<String, Object> backlog = (Map<String, Object>) sf.get("outbox_backlog");
        md.add(row("outbox backlog after the sustained phase", backlog.get("pending") + " deliveries, drained in "
                + backlog.get("drain_seconds") + " s (" + backlog.get("delivered_per_s") + "/s)"));
        md.add(row("plain subscriber latency at " + options.rate + "/s (p50 / p99 / max)", ms(limitLatency)));
        md.add(row("publish -> alert latency at " + options.rate + "/s (p50 / p99 / max)", ms(alertLatency)
                + " over " + alertLatency.get("count") + " alerts"));
        @SuppressWarnings("unchecked")
        Map<String, Object> push = (Map<String, Object>) sf.get("http_push");
        md.add(row("HTTP push, line protocol, " + push.get("clients") + " clients x " + push.get("batch") + " lines",
                push.get("readings_per_s") + " readings/s committed (" + push.get("committed") + " of "
                        + push.get("readings") + "), " + push.get("cpu_cores") + " cores, " + push.get("cpu_us_per_reading")
                        + " µs and " + push.get("allocated_bytes_per_reading") + " bytes per reading, "
                        + push.get("busy_answers") + " busy answers"));
        md.add(row("ready after start", sf.get("ready_ms") + " ms"));
        md.add(row("peak RSS", sf.get("peak_rss_mb") + " MB"));
        md.add(row("max GC pause", sf.get("max_gc_pause_ms") + " ms"));
        md.add(row("duplicates / decode errors / failed actions", sf.get("duplicates") + " / " + sf.get("decode_errors")
                + " / " + sf.get("failed_actions")));
        if (sf.get("soak") instanceof Map<?, ?> soak) {
            md.add(row("soak: " + soak.get("minutes") + " min at " + soak.get("rate") + "/s, RSS every 30 s (MB)",
                    String.valueOf(soak.get("rss_mb_every_30s"))));
            md.add(row("soak: backlog every 30 s (readings)", soak.get("backlog_every_30s") + ", drained: "
                    + soak.get("drained")));
        }
        md.add(row("SIGTERM exit code", String.valueOf(sf.get("sigterm_exit_code"))));
        String table = String.join("\n", md) + "\n";
        Files.writeString(options.out.resolve("results.md"), table);
        System.out.println();
        System.out.print(table);
        System.out.println("\nwritten: " + options.out.resolve("results.json") + ", " + options.out.resolve("results.md"));
    }

    private static String ms(Map<String, Object> l) {
        return l.get("p50_ms") + " / " + l.get("p99_ms") + " / " + l.get("max_ms") + " ms";
    }

    private static String row(String a, String b) {
        return "| " + a + " | " + b + " |";
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench %s] %s%n", Instant.now().toString().substring(11, 19), String.format(Locale.ROOT, format, args));
    }

    /** Command-line options, each bounded so that a run always ends. */
    record Options(Path jar, Path out, int sensors, int rules, long readings, long warmup, int rate, int rateSeconds,
                   int sustainSeconds, String store, List<String> jvm, Path nodeRed, int soakMinutes,
                   long pushReadings, int pushClients, int pushBatch) {

        static Options parse(String[] args) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected --option value, got " + args[i]);
                }
                map.put(args[i].substring(2), args[i + 1]);
            }
            Options o = new Options(
                    Path.of(map.getOrDefault("jar", "target/sensorflow.jar")),
                    Path.of(map.getOrDefault("out", "target/bench")),
                    bounded(map, "sensors", 10_000, 1, 100_000),
                    bounded(map, "rules", 100, 1, 1000),
                    bounded(map, "readings", 50_000, 1000, 2_000_000),
                    bounded(map, "warmup", 20_000, 0, 1_000_000),
                    bounded(map, "rate", 5000, 100, 100_000),
                    bounded(map, "rate-seconds", 20, 1, 600),
                    bounded(map, "sustain-seconds", 15, 1, 600),
                    map.getOrDefault("store", "sqlite"),
                    jvm(map, Path.of(map.getOrDefault("jar", "target/sensorflow.jar"))),
                    Path.of(map.getOrDefault("node-red", "target/node-red")),
                    bounded(map, "soak-minutes", 0, 0, 60),
                    bounded(map, "push-readings", 1_000_000, 1000, 20_000_000),
                    bounded(map, "push-clients", 4, 1, 64),
                    bounded(map, "push-batch", 5000, 1, 20_000));
            Map<String, String> known = new LinkedHashMap<>(map);
            List.of("jar", "out", "sensors", "rules", "readings", "warmup", "rate", "rate-seconds", "sustain-seconds",
                    "store", "jvm", "jfr", "node-red", "soak-minutes", "push-readings", "push-clients", "push-batch")
                    .forEach(known::remove);
            if (!known.isEmpty()) {
                throw new IllegalArgumentException("unknown options: " + known.keySet());
            }
            return o;
        }

        /**
         * The daemon's JVM options (space-separated), plus a flight recording with {@code --jfr FILE}, plus the
         * build's class-data archive beside the jar when there is one, as the README starts the daemon.
         */
        private static List<String> jvm(Map<String, String> map, Path jar) {
            List<String> jvm = new ArrayList<>(List.of(map.getOrDefault("jvm", "-Xms64m -Xmx160m -XX:+UseG1GC").trim().split("\\s+")));
            Path archive = jar.resolveSibling("sensorflow.jsa");
            if (Files.isRegularFile(archive) && jvm.stream().noneMatch(o -> o.startsWith("-XX:SharedArchiveFile"))) {
                jvm.add("-XX:SharedArchiveFile=" + archive.toAbsolutePath());
            }
            if (map.containsKey("jfr")) {
                jvm.add("-XX:StartFlightRecording=filename=" + Path.of(map.get("jfr")).toAbsolutePath() + ",settings=profile");
            }
            return List.copyOf(jvm);
        }

        private static int bounded(Map<String, String> map, String key, int def, int min, int max) {
            int v = Integer.parseInt(map.getOrDefault(key, String.valueOf(def)).replace("_", ""));
            if (v < min || v > max) {
                throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max);
            }
            return v;
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sensors", sensors);
            m.put("rules", rules);
            m.put("readings", readings);
            m.put("warmup", warmup);
            m.put("rate", rate);
            m.put("rate_seconds", rateSeconds);
            m.put("sustain_seconds", sustainSeconds);
            m.put("store", store);
            m.put("jvm", String.join(" ", jvm));
            m.put("node_red", nodeRed.toString());
            m.put("soak_minutes", soakMinutes);
            m.put("push_readings", pushReadings);
            m.put("push_clients", pushClients);
            m.put("push_batch", pushBatch);
            return m;
        }
    }
}
