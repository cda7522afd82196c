package io.sensorflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code config/examples/http-poll.conf} as a user runs it, in the real jar: its 30 device files served on loopback
 * (as {@code python3 -m http.server} would), one of them hanging past the timeout, and its two URLs on port 9 that
 * nothing listens on. Only the base URL, the HTTP port and the store file are overridden, in a file that includes
 * the example.
 */
class HttpPollExampleIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLE = Path.of("config/examples/http-poll.conf").toAbsolutePath();
    private static final Path FILES = Path.of("config/examples/http-poll").toAbsolutePath().normalize();
    private static final String SLOW = "/humidity/storage.json";
    /** The example's timeout: the slow answer is due after it, and the daemon gives up on it then. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HttpServer server;
    private ExecutorService executor;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger slowRequests = new AtomicInteger();

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try (exchange) {
            if (path.equals(SLOW)) {
                slowRequests.incrementAndGet();
                // The server cannot see the daemon give up on a request (its timeout closes the connection), so
                // the hanging request counts as in flight only for the part of the timeout that the daemon is
                // sure to wait: never longer than the daemon holds it, so the count never exceeds the daemon's.
                Thread.sleep(TIMEOUT.toMillis() - 500);
                inFlight.decrementAndGet();
                release.await(10, TimeUnit.SECONDS);
                return;
            }
            Path file = FILES.resolve(path.substring(1)).normalize();
            if (!file.startsWith(FILES) || !Files.isRegularFile(file)) {
                inFlight.decrementAndGet();
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            // Counted out before the answer is written: the daemon holds its permit at least until it is read.
            inFlight.decrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void storesTheHealthyDevicesReportsTheSlowAndTheDownOnesKeepsToTwoRequestsPerHostAndFiresTooHot()
            throws Exception {
        long started = System.nanoTime();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(16);
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
        int port = MosquittoBroker.freePort();
        Path config = DAEMONS.dir().resolve("http-poll-it.conf");
        Files.writeString(config, """
                include file("%s")
                device-server = "http://127.0.0.1:%d"
                sensorflow.http.port = %d
                sensorflow.store.path = "%s"
                """.formatted(EXAMPLE, server.getAddress().getPort(), port, DAEMONS.dir().resolve("http-poll.db")));
        DAEMONS.jar(config, "-Xmx160m");
        DaemonExtension.awaitReady(port);

        // The slow device is down once its poll has timed out three times (two retries): about 8 s.
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(Http.get(port, "/api/v1/sources").body())
                .contains("3 of 32 URLs down"));
        String slowUrl = "http://127.0.0.1:" + server.getAddress().getPort() + SLOW;

        JsonNode sensors = JSON.readTree(Http.get(port, "/api/v1/sensors").body());
        List<String> series = new ArrayList<>();
        sensors.forEach(s -> series.add(s.get("sensor").asText() + "/" + s.get("metric").asText()));
        assertThat(series).as("every device but the slow and the two down ones").hasSize(29)
                .contains("server-room/temperature", "meeting-1/co2", "meter-main/power", "outdoor/humidity")
                .doesNotContain("storage/humidity", "attic/temperature", "garage/temperature");
        assertThat(sensors).anySatisfy(s -> {
            assertThat(s.get("sensor").asText()).isEqualTo("office-201");
            assertThat(s.get("metric").asText()).isEqualTo("temperature");
            assertThat(s.get("value").asDouble()).isEqualTo(22.4);
            assertThat(s.get("tags").get("floor").asText()).isEqualTo("2");
        });
        assertThat(Http.get(port, "/api/v1/sensors/meeting-1/co2/readings").body()).contains("640");

        Http.Response ready = Http.get(port, "/health/ready");
        assertThat(ready.status()).as("a few devices down do not take the daemon out of service").isEqualTo(200);
        assertThat(ready.body()).contains("3 of 32 URLs down",
                "127.0.0.1:9/attic/temperature.json (connection refused)",
                "127.0.0.1:9/garage/temperature.json (connection refused)", slowUrl + " (timed out)");
        JsonNode source = JSON.readTree(Http.get(port, "/api/v1/sources").body()).get(0);
        assertThat(source.get("name").asText()).isEqualTo("building");
        assertThat(source.get("received").asLong()).isGreaterThanOrEqualTo(29);
        assertThat(source.get("requests").get("timeout").asLong()).as("three attempts of the slow one")
                .isGreaterThanOrEqualTo(3);
        assertThat(source.get("requests").get("error").asLong()).as("three attempts of each down one")
                .isGreaterThanOrEqualTo(6);

        String metrics = Http.get(port, "/metrics").body();
        String feedUp = "sensorflow_feed_up{source=\"building\",url=\"";
        assertThat(Http.metric(metrics, feedUp + "http://127.0.0.1:9/attic/temperature.json\"}")).hasValue(0);
        assertThat(Http.metric(metrics, feedUp + slowUrl + "\"}")).hasValue(0);
        assertThat(Http.metric(metrics, feedUp + slowUrl.replace(SLOW, "/temperature/office-101.json") + "\"}"))
                .hasValue(1);
        // A poll that fails has no payload to keep: it is counted and reported, not dead-lettered.
        assertThat(Http.get(port, "/api/v1/dead-letters").body()).isEqualTo("[]");

        assertThat(maxInFlight.get()).as("requests at once at the device server (max-per-host = 2)")
                .isBetween(1, 2);
        assertThat(slowRequests.get()).isGreaterThanOrEqualTo(3);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Http.get(port, "/api/v1/alerts/history?rule=too-hot").body())
                    .contains("\"sensor\":\"server-room\"", "firing");
            assertThat(Files.readString(DAEMONS.log()))
                    .contains("sensorflow.alerts - too-hot firing sensor=server-room metric=temperature value=31.5");
        });
        assertThat(Http.get(port, "/api/v1/alerts?rule=stuffy").body()).isEqualTo("[]");
        System.out.printf("HttpPollExampleIT: 29 devices stored, 3 down, at most %d requests at once at the device "
                + "server, in %d ms%n", maxInFlight.get(), (System.nanoTime() - started) / 1_000_000);
    }
}
