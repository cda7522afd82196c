package io.sensorflow.bench;

import io.sensorflow.testing.MosquittoBroker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What dashboard traffic costs ingest: the daemon (a jar, its own process) with an http-push source and 24 h of
 * stored history, then HTTP-push ingest alone and beside {@code clients} dashboards, each holding a live stream
 * ({@code /api/v1/stream}) and loading a 24 h chart ({@code /readings?step=1m}) every {@code think-ms}, in
 * {@code rounds} rounds of alone, beside, beside, alone; the dashboards beside ingest paced at {@code paced-rate};
 * ingest beside {@code clients} loops of 24 h chart queries back to back (no think time, streams held too); and those
 * queries alone. Each phase is bounded in time. {@code --charts false} leaves the dashboards only their streams.
 * {@code --config} adds HOCON to the daemon's config, e.g. {@code "sensorflow.http.queries.threads = 1"}.
 *
 * <p>Run: {@code mvn -B -Papi-bench package -DskipTests} (options via {@code -Dbench.args="--clients 32 ..."}).
 */
public final class ApiLoadBench {

    private static final long MINUTE = 60_000;

    private final Map<String, String> options = new LinkedHashMap<>(Map.of(
            "clients", "32", "pushers", "4", "batch", "1000", "sensors", "100", "seconds", "15",
            "history-hours", "24", "jvm", "-Xms64m -Xmx160m -XX:+UseG1GC", "config", "", "think-ms", "2000",
            "paced-rate", "10000"));

    {
        // false: the dashboards only hold their streams, to tell what the streams alone cost.
        options.put("charts", "true");
        // Rounds of alone, beside, beside, alone, each phase half of `seconds` long.
        options.put("rounds", "2");
    }
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private int port;
    private final AtomicLong nextTs = new AtomicLong();

    public static void main(String[] args) throws Exception {
        new ApiLoadBench().run(args);
    }

    private void run(String[] args) throws Exception {
        Path jar = null;
        Path out = Path.of("target/api-bench");
        for (int i = 0; i + 1 < args.length; i += 2) {
            String key = args[i].replaceFirst("^--", "");
            switch (key) {
                case "jar" -> jar = Path.of(args[i + 1]);
                case "out" -> out = Path.of(args[i + 1]);
                default -> {
                    if (!options.containsKey(key)) {
                        throw new IllegalArgumentException("unknown option --" + key + "; known: jar, out, "
                                + options.keySet());
                    }
                    options.put(key, args[i + 1]);
                }
            }
        }
        if (jar == null) {
            throw new IllegalArgumentException("--jar is required");
        }
        int seconds = Math.min(120, integer("seconds"));
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("sensorflow-api-bench");
        port = MosquittoBroker.freePort();
        // Live readings take one millisecond each from now on: 3 M of them run 50 min ahead.
        Path config = DaemonProcess.writePushConfig(dir, port, "max-future-skew = 1d", options.get("config"));
        List<String> jvm = new ArrayList<>(Arrays.asList(options.get("jvm").split(" ")));
        Path archive = jar.resolveSibling("sensorflow.jsa");
        if (Files.exists(archive)) {
            jvm.add("-XX:SharedArchiveFile=" + archive);
        }
        List<String> report = new ArrayList<>();
        report.add("| measure | value |");
        report.add("|---|---|");
        report.add(row("jar", jar.toAbsolutePath().toString()));
        report.add(row("options", options.toString()));
        try (DaemonProcess daemon = new DaemonProcess(jar, config, port, dir, jvm)) {
            long now = System.currentTimeMillis();
            long historyFrom = now - integer("history-hours") * 3_600_000L;
            long preloaded = preload(historyFrom, now);
            report.add(row("history", String.format(Locale.ROOT, "%,d readings of %d sensors, 1 per minute",
                    preloaded, integer("sensors"))));
            // Live readings go after the history and never repeat a timestamp of a series, so none is a duplicate.
            nextTs.set(now + MINUTE);
            int clients = integer("clients");
            Phase warm = phase(daemon, Math.min(5, seconds), true, 0, 0, historyFrom, now);
            log("warm-up: %s", warm);
            // Alone and beside the dashboards in ABBA order, round after round: the daemon drifts as its database
            // grows by millions of rows, which would otherwise count against whichever phase comes later.
            List<Phase> alones = new ArrayList<>();
            List<Phase> besides = new ArrayList<>();
            List<String> rounds = new ArrayList<>();
            int half = Math.max(5, seconds / 2);
            for (int round = 0; round < integer("rounds"); round++) {
                Phase a1 = phase(daemon, half, true, 0, 0, historyFrom, now);
                Phase d1 = phase(daemon, half, true, clients, integer("think-ms"), historyFrom, now);
                Phase d2 = phase(daemon, half, true, clients, integer("think-ms"), historyFrom, now);
                Phase a2 = phase(daemon, half, true, 0, 0, historyFrom, now);
                alones.addAll(List.of(a1, a2));
                besides.addAll(List.of(d1, d2));
                rounds.add(kept(Phase.merge(List.of(d1, d2)), Phase.merge(List.of(a1, a2))));
            }
            Phase alone = Phase.merge(alones);
            Phase dashboards = Phase.merge(besides);
            Phase paced = phase(daemon, seconds, true, clients, integer("think-ms"), historyFrom, now,
                    integer("paced-rate"));
            Phase loaded = phase(daemon, seconds, true, clients, 0, historyFrom, now);
            Phase queries = phase(daemon, seconds, false, clients, 0, historyFrom, now);
            report.add(row("ingest alone", alone.ingest()));
            report.add(row("ingest with " + clients + " dashboards (stream + a 24 h chart every "
                    + options.get("think-ms") + " ms)", dashboards.ingest()));
            report.add(row("ingest kept beside the dashboards", kept(dashboards, alone) + " (each ABBA round: "
                    + String.join(", ", rounds) + ")"));
            report.add(row("the dashboards' 24 h charts", dashboards.queries()));
            report.add(row("the same, timed on the daemon's query threads", dashboards.serverSide()));
            report.add(row("the dashboards' streams", dashboards.streamSummary()));
            report.add(row("the dashboards' 24 h charts beside ingest paced at " + options.get("paced-rate")
                    + " readings/s", paced.queries()));
            report.add(row("the same, timed on the daemon's query threads", paced.serverSide()));
            report.add(row("paced ingest", paced.ingest()));
            report.add(row("ingest with " + clients + " clients querying back to back (streams held)",
                    loaded.ingest()));
            report.add(row("ingest kept beside back-to-back queries", kept(loaded, alone)));
            report.add(row("back-to-back queries beside ingest", loaded.queries()));
            report.add(row("back-to-back queries alone", queries.queries()));
            report.add(row("daemon peak RSS", String.format(Locale.ROOT, "%.0f MB", daemon.peakRssMb())));
        }
        report.forEach(System.out::println);
        Files.write(out.resolve("results.md"), report);
        log("written: %s", out.resolve("results.md"));
    }

    private static String kept(Phase loaded, Phase alone) {
        return String.format(Locale.ROOT, "%.0f %%", 100.0 * loaded.readingsPerSecond() / alone.readingsPerSecond());
    }

    /** 24 h of one reading per minute per sensor, in batches. */
    private long preload(long from, long to) throws Exception {
        int sensors = integer("sensors");
        int batch = integer("batch");
        long sent = 0;
        StringBuilder body = new StringBuilder();
        int inBody = 0;
        for (long ts = from; ts < to; ts += MINUTE) {
            for (int s = 0; s < sensors; s++) {
                body.append(inBody == 0 ? "[" : ",").append(reading(s, ts));
                if (++inBody == batch) {
                    sent += post(body.append(']').toString(), inBody);
                    body.setLength(0);
                    inBody = 0;
                }
            }
        }
        if (inBody > 0) {
            sent += post(body.append(']').toString(), inBody);
        }
        return sent;
    }

    private static String reading(int sensor, long ts) {
        return String.format(Locale.ROOT, "{\"sensor\":\"s-%03d\",\"metric\":\"temperature\",\"value\":%.2f,"
                + "\"timestamp\":%d}", sensor, 20 + 5 * Math.sin(ts / 3_600_000.0 + sensor), ts);
    }

    /** Posts one body; returns the readings accepted (0 unless 202). */
    private long post(String body, int readings) throws Exception {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri("/api/v1/ingest"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode() == 202 ? readings : 0;
    }

    private Phase phase(DaemonProcess daemon, int seconds, boolean ingest, int clients, long thinkMs, long from,
                        long to) throws Exception {
        return phase(daemon, seconds, ingest, clients, thinkMs, from, to, 0);
    }

    /** @param rate readings per second all pushers together send at most; 0 as fast as the daemon takes them */
    private Phase phase(DaemonProcess daemon, int seconds, boolean ingest, int clients, long thinkMs, long from,
                        long to, int rate) throws Exception {
        int pushers = ingest ? integer("pushers") : 0;
        int sensors = integer("sensors");
        int batch = integer("batch");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong accepted = new AtomicLong();
        AtomicLong refusedIngest = new AtomicLong();
        AtomicLong busy = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong events = new AtomicLong();
        List<java.io.InputStream> streams = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(pushers + 2 * clients + 1);
        List<Future<?>> running = new ArrayList<>();
        double cpuBefore = daemon.cpuSeconds();
        double ownBefore = ownCpuSeconds();
        java.util.TreeMap<Double, Double> bucketsBefore = queryBuckets();
        long started = System.nanoTime();
        AtomicLong pushersDone = new AtomicLong(started);
        for (int p = 0; p < pushers; p++) {
            running.add(threads.submit(() -> {
                // Paced: each pusher sends one batch per slot of its share of the rate.
                long slot = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) * batch * pushers / rate;
                long next = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    if (slot > 0) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        next += slot;
                    }
                    StringBuilder body = new StringBuilder("[");
                    for (int i = 0; i < batch; i++) {
                        // One timestamp per batch row keeps every (series, ts) new.
                        long ts = nextTs.getAndIncrement();
                        body.append(i == 0 ? "" : ",").append(reading((int) (ts % sensors), ts));
                    }
                    long ok = post(body.append(']').toString(), batch);
                    if (ok == 0) {
                        refusedIngest.incrementAndGet();
                    }
                    accepted.addAndGet(ok);
                }
                pushersDone.accumulateAndGet(System.nanoTime(), Math::max);
                return null;
            }));
        }
        for (int c = 0; c < clients; c++) {
            int client = c;
            if (ingest) {
                // The live stream a dashboard page holds: every sensor (the bench's are one page of the overview).
                threads.submit(() -> {
                    HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(
                            uri("/api/v1/stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
                    streams.add(response.body());
                    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(),
                            java.nio.charset.StandardCharsets.UTF_8))) {
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            if (line.startsWith("event:")) {
                                events.incrementAndGet();
                            }
                        }
                    } catch (java.io.IOException closed) {
                        // Closed at the end of the phase.
                    }
                    return null;
                });
            }
            if (thinkMs > 0 && !Boolean.parseBoolean(options.get("charts"))) {
                continue;
            }
            running.add(threads.submit(() -> {
                int n = 0;
                while (System.nanoTime() < deadline) {
                    if (thinkMs > 0) {
                        // Dashboards do not all load at once: each starts at its own point of the interval.
                        // Never past the deadline: the phase's time would run on while its ingest had stopped.
                        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        TimeUnit.MILLISECONDS.sleep(Math.max(0, Math.min(left,
                                n == 0 ? (thinkMs * client / Math.max(1, clients)) : thinkMs)));
                        if (System.nanoTime() >= deadline) {
                            break;
                        }
                    }
                    String path = String.format(Locale.ROOT, "/api/v1/sensors/s-%03d/temperature/readings?from=%d&to=%d"
                            + "&step=1m", (client + n++) % sensors, from, to);
                    long t0 = System.nanoTime();
                    HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri(path))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
                    long took = System.nanoTime() - t0;
                    if (response.statusCode() == 200) {
                        latencies.add(took);
                    } else if (response.statusCode() == 503) {
                        busy.incrementAndGet();
                        // As a browser would: come back after Retry-After (1 s), not at once.
                        TimeUnit.SECONDS.sleep(1);
                    } else {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(seconds + 60L, TimeUnit.SECONDS);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        double elapsed = wall;
        if (pushers > 0) {
            // The rate is the pushers' over their own time: clients that finish a query later must not stretch it.
            elapsed = (pushersDone.get() - started) / 1e9;
        }
        for (java.io.InputStream stream : streams) {
            stream.close();
        }
        threads.shutdownNow();
        double cpu = (daemon.cpuSeconds() - cpuBefore) / wall;
        double own = (ownCpuSeconds() - ownBefore) / wall;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        java.util.TreeMap<Double, Double> buckets = queryBuckets();
        buckets.replaceAll((le, n) -> n - bucketsBefore.getOrDefault(le, 0.0));
        return new Phase(elapsed, accepted.get(), refusedIngest.get(), sorted, busy.get(), failed.get(), cpu,
                streams.size(), events.get(), own, buckets);
    }

    /** The daemon's {@code sensorflow_api_query_seconds} histogram: cumulative count by upper bound (+Inf last). */
    private java.util.TreeMap<Double, Double> queryBuckets() throws Exception {
        java.util.TreeMap<Double, Double> buckets = new java.util.TreeMap<>();
        String metrics = http.send(HttpRequest.newBuilder(uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^sensorflow_api_query_seconds_bucket\\{le=\"([^\"]+)\"\\} (\\S+)$").matcher(metrics);
        while (m.find()) {
            buckets.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)),
                    Double.parseDouble(m.group(2)));
        }
        return buckets;
    }

    private record Phase(double seconds, long readings, long refusedIngest, long[] latencies, long busy, long failed,
                         double cores, int streams, long events, double generatorCores,
                         java.util.TreeMap<Double, Double> serverBuckets) {

        /** Phases of the same kind as one: their readings, queries and CPU summed over their time. */
        static Phase merge(List<Phase> phases) {
            double seconds = 0;
            long readings = 0;
            long refused = 0;
            long busy = 0;
            long failed = 0;
            double cpu = 0;
            double own = 0;
            int streams = 0;
            long events = 0;
            java.util.TreeMap<Double, Double> buckets = new java.util.TreeMap<>();
            List<Long> latencies = new ArrayList<>();
            for (Phase p : phases) {
                seconds += p.seconds;
                readings += p.readings;
                refused += p.refusedIngest;
                busy += p.busy;
                failed += p.failed;
                cpu += p.cores * p.seconds;
                own += p.generatorCores * p.seconds;
                streams = Math.max(streams, p.streams);
                events += p.events;
                p.serverBuckets.forEach((le, n) -> buckets.merge(le, n, Double::sum));
                for (long latency : p.latencies) {
                    latencies.add(latency);
                }
            }
            return new Phase(seconds, readings, refused, latencies.stream().mapToLong(Long::longValue).sorted()
                    .toArray(), busy, failed, cpu / seconds, streams, events, own / seconds, buckets);
        }

        /**
         * The same queries as the daemon timed them (waiting for and running on its query threads): the share within
         * 50 ms, and the bucket bound under which 99 % finished. Apart from the client's own view, which also holds
         * HTTP, both machines' schedulers and the load generator's own threads.
         */
        String serverSide() {
            double total = serverBuckets.isEmpty() ? 0 : serverBuckets.lastEntry().getValue();
            if (total == 0) {
                return "no query";
            }
            double p99 = Double.NaN;
            for (Map.Entry<Double, Double> bucket : serverBuckets.entrySet()) {
                if (bucket.getValue() >= 0.99 * total) {
                    p99 = bucket.getKey();
                    break;
                }
            }
            return String.format(Locale.ROOT, "%.1f %% within 50 ms, p99 ≤ %s ms (histogram bound), %,.0f queries",
                    100 * serverBuckets.getOrDefault(0.05, 0.0) / total,
                    Double.isInfinite(p99) ? "∞" : String.format(Locale.ROOT, "%.0f", p99 * 1000), total);
        }

        String streamSummary() {
            return String.format(Locale.ROOT, "%d streams open, %,.0f events/s received in all", streams,
                    events / seconds);
        }

        double readingsPerSecond() {
            return readings / seconds;
        }

        String ingest() {
            return String.format(Locale.ROOT, "%,.0f readings/s (%,d requests refused), daemon %.2f cores, "
                    + "%.0f µs CPU per reading; load generator %.2f cores", readingsPerSecond(), refusedIngest, cores,
                    readings == 0 ? 0 : cores * 1e6 / readingsPerSecond(), generatorCores);
        }

        String queries() {
            return String.format(Locale.ROOT, "%,.0f queries/s, p50 / p99 / max %.1f / %.1f / %.1f ms, %,d answered "
                    + "503, %,d failed, daemon %.2f cores", latencies.length / seconds, percentile(0.5),
                    percentile(0.99), latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6, busy, failed,
                    cores);
        }

        double percentile(double p) {
            return latencies.length == 0 ? 0 : latencies[(int) Math.min(latencies.length - 1,
                    Math.floor(p * latencies.length))] / 1e6;
        }

        @Override
        public String toString() {
            return ingest();
        }
    }

    /** This process's CPU time: the load generator's, which shares the cores with the daemon. */
    private static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private int integer(String key) {
        return Integer.parseInt(options.get(key));
    }

    private static String row(String measure, String value) {
        return "| " + measure + " | " + value + " |";
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[api-bench] " + format + "%n", args);
    }
}
