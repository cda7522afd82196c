package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.JarProcess;
import io.sensorflow.testing.MosquittoBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 12 of the reliability suite, against the jar as the README starts it (-Xmx160m): 1,000 slow-loris
 * connections (a request's headers trickled in, one line every few seconds, never finished) and 500 concurrent
 * heavy queries (10,000 raw readings each) at once. Meanwhile {@code /health/live} is asked every 100 ms and one
 * reading is pushed every 100 ms; each must be answered promptly and every pushed reading committed. The daemon runs
 * at DEBUG with tokens, a webhook whose URL and header carry secrets, and a failing delivery: no secret may appear in
 * its log. (Oversized URIs and headers, and every route with no token, a wrong scope and the right one, are
 * {@code AuthIT}'s.)
 */
// Alone, not beside another test class: drives the HTTP API past its capacity.
@Isolated
class HttpPressureIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final int SLOW_LORIS = 1_000;
    private static final int HEAVY_QUERIES = 500;
    private static final Duration PRESSURE = Duration.ofSeconds(12);
    private static final String ADMIN = "admin-secret-5f0c9d3e1a7b44c2";
    private static final String READER = "reader-secret-9a1e2b7c3d4f5061";
    private static final String HOOK_HEADER = "hook-header-secret-77d1c0ffee";
    private static final String HOOK_QUERY = "hook-query-secret-4b2a9e";

    @Test
    void slowLorisAndHeavyQueriesStarveNeitherHealthNorIngestAndNoSecretIsLogged() throws Exception {
        int port = MosquittoBroker.freePort();
        Path config = DAEMONS.config("pressure").with("""
                http.port = %d
                http.auth.tokens {
                  admin { token = "%s", scopes = [admin, ingest] }
                  reader { token = "%s", scopes = [read] }
                }
                sources.push { type = http-push }
                actions.pager {
                  type = webhook
                  url = "http://127.0.0.1:9/page?key=%s"
                  headers { Authorization = "Bearer %s" }
                  timeout = 1s
                }
                rules.too-hot.actions = [ pager ]
                pipeline.action-retry { max-attempts = 2, first-backoff = 100ms }
                """.formatted(port, ADMIN, READER, HOOK_QUERY, HOOK_HEADER)).write();
        Process daemon = DAEMONS.jar(config, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError",
                "-DSENSORFLOW_LOG_LEVEL=DEBUG");
        DaemonExtension.awaitReady(port);
        long now = System.currentTimeMillis();
        seed(port, now);

        String heapBefore = JarProcess.heapAfterFullGc(daemon.pid());
        List<Socket> loris = new ArrayList<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<Integer, AtomicInteger> queryAnswers = new ConcurrentHashMap<>();
        long slowestLive = 0;
        long slowestLiveAt = 0;
        List<Long> liveMillis = new ArrayList<>();
        long slowestIngest = 0;
        int pushed = 0;
        try {
            for (int i = 0; i < SLOW_LORIS; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.getOutputStream().write(("POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                loris.add(socket);
            }
            String heapWithLoris = JarProcess.heapAfterFullGc(daemon.pid());
            List<CompletableFuture<?>> queries = new ArrayList<>();
            for (int i = 0; i < HEAVY_QUERIES; i++) {
                HttpRequest query = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/api/v1/sensors/s" + (i % 10) + "/temperature/readings?from=0&limit=10000"))
                        .header("Authorization", "Bearer " + READER).timeout(Duration.ofSeconds(60)).build();
                queries.add(client.sendAsync(query, HttpResponse.BodyHandlers.discarding())
                        .thenAccept(r -> queryAnswers.computeIfAbsent(r.statusCode(), s -> new AtomicInteger())
                                .incrementAndGet()));
            }
            long pressureStart = System.nanoTime();
            long end = System.nanoTime() + PRESSURE.toNanos();
            long nextTrickle = System.nanoTime();
            while (System.nanoTime() < end) {
                if (System.nanoTime() >= nextTrickle) {
                    trickle(loris);
                    nextTrickle = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
                long started = System.nanoTime();
                assertThat(liveOnANewConnection(port)).startsWith("HTTP/1.1 200");
                liveMillis.add((System.nanoTime() - started) / 1_000_000);
                if (System.nanoTime() - started > slowestLive) {
                    slowestLive = System.nanoTime() - started;
                    slowestLiveAt = (started - pressureStart) / 1_000_000;
                }
                started = System.nanoTime();
                Http.Response answer = push(port, "probe", 20 + pushed % 5, now + pushed);
                assertThat(answer.status()).as(answer.body()).isEqualTo(202);
                slowestIngest = Math.max(slowestIngest, System.nanoTime() - started);
                pushed++;
                Thread.sleep(100);
            }
            CompletableFuture.allOf(queries.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            System.out.printf("HttpPressureIT: %d slow-loris connections, %d heavy queries answered %s; slowest "
                            + "/health/live %d ms (a new connection each; %d ms in; median %d ms), slowest ingest "
                            + "%d ms over %d pushes; heap before: %s, with the slow connections open: %s; %s%n",
                    SLOW_LORIS, HEAVY_QUERIES, queryAnswers, slowestLive / 1_000_000, slowestLiveAt,
                    median(liveMillis), slowestIngest / 1_000_000, pushed, heapBefore, heapWithLoris,
                    closedSlow(port));
        } finally {
            for (Socket socket : loris) {
                socket.close();
            }
        }
        assertThat(queryAnswers.values().stream().mapToInt(AtomicInteger::get).sum())
                .as("every query answered").isEqualTo(HEAVY_QUERIES);
        assertThat(queryAnswers.keySet()).as("ran, or refused at once when the query threads were busy")
                .isSubsetOf(200, 503);
        assertThat(queryAnswers.getOrDefault(200, new AtomicInteger()).get()).isPositive();
        // A probe that arrives with the burst of 500 new connections waits behind them in the accept queue (1.7 to
        // 3 s measured on two shared cores, 6.8 s with a soak running beside); starved, it would wait for the slow
        // connections' header timeout of 10 s, or for ever without it (12 s measured before it).
        assertThat(median(liveMillis)).as("median /health/live, ms").isLessThan(200);
        assertThat(slowestLive).as("slowest /health/live").isLessThan(Duration.ofSeconds(9).toNanos());
        assertThat(slowestIngest).as("slowest ingest, commit included").isLessThan(Duration.ofSeconds(2).toNanos());
        int committed = pushed;
        String probe = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/sensors/probe/temperature/readings?from=0&limit=10000"))
                .header("Authorization", "Bearer " + READER).build()).body();
        assertThat(probe.split("\"t\":", -1).length - 1).as("every pushed reading is readable")
                .isEqualTo(committed);

        // A failed delivery to the webhook (nothing listens on port 9), a wrong token: logged, the secrets not.
        assertThat(push(port, "lab-1", 35, now + 100_000).status()).isEqualTo(202);
        Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/sensors"))
                .header("Authorization", "Bearer not-" + ADMIN).build());
        // Given up after its two attempts (max-attempts = 2): a pending delivery shows its error only in the 100 ms
        // between them, which a poll could miss.
        HttpRequest failed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/deliveries?state=failed"))
                .header("Authorization", "Bearer " + READER).build();
        await().atMost(Duration.ofSeconds(20)).until(() -> Http.send(failed).body().contains("\"lastError\":\""));
        assertThat(daemon.isAlive()).isTrue();
        assertThat(Http.send(failed).body()).as("the delivery's error names the URL").contains("/page?key=***")
                .doesNotContain(HOOK_QUERY);
        String log = Files.readString(DAEMONS.log());
        assertThat(log).contains("DEBUG");
        for (String secret : List.of(ADMIN, READER, HOOK_HEADER, HOOK_QUERY)) {
            assertThat(log).as("the log names no secret").doesNotContain(secret);
        }
        daemon.destroy();
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    private static String closedSlow(int port) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Authorization", "Bearer " + READER).build()).body().lines()
                .filter(line -> line.startsWith("sensorflow_http_slow_connections_closed_total")).findFirst()
                .orElse("no slow connections counted");
    }

    /** 10 series of 10,000 readings each: what a heavy query reads. */
    private static void seed(int port, long now) {
        for (int sensor = 0; sensor < 10; sensor++) {
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                lines.append("temperature,sensor=s").append(sensor).append(" value=").append(i % 30).append(' ')
                        .append(now - 3_600_000 + i * 300L).append('\n');
            }
            Http.Response answer = Http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/api/v1/ingest?precision=ms"))
                    .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        }
    }

    private static Http.Response push(int port, String sensor, double value, long ts) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/ingest"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sensor\": \"" + sensor + "\", \"metric\": "
                        + "\"temperature\", \"value\": " + value + ", \"timestamp\": " + ts + "}")).build());
    }

    /** {@code GET /health/live} as a probe makes it: a connection of its own, closed after the answer. */
    private static String liveOnANewConnection(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** One more header line on every slow connection: never idle long enough to be dropped, never finished. */
    private static void trickle(List<Socket> loris) {
        for (Socket socket : loris) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // closed by the server: that is allowed
            }
        }
    }
}
