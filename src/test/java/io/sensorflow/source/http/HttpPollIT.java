package io.sensorflow.source.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real daemon polling a real HTTP server on loopback: mapping, retries, ETags, a feed that is down, concurrency. */
class HttpPollIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private HttpServer server;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, String> authorization = new ConcurrentHashMap<>();
    private final long ts = System.currentTimeMillis() - 60_000;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        authorization.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            if (path.startsWith("/slow/")) {
                Thread.sleep(150);
                respond(exchange, 200, "{\"value\": 1, \"timestamp\": " + ts + "}");
            } else if (path.equals("/boiler")) {
                respond(exchange, 200, "{\"value\": 71.5, \"timestamp\": " + ts + "}");
            } else if (path.equals("/gateway")) {
                respond(exchange, 200, "{\"readings\": [{\"id\": \"g-1\", \"kind\": \"temperature\", \"v\": 20, \"t\": " + ts
                        + "}, {\"id\": \"g-2\", \"kind\": \"temperature\", \"v\": \"oops\", \"t\": " + ts + "}]}");
            } else if (path.equals("/flaky")) {
                // Down for the first two attempts of the first poll: the retries within that poll succeed.
                if (n <= 2) {
                    respond(exchange, 503, "busy");
                } else {
                    respond(exchange, 200, "{\"value\": 5, \"timestamp\": " + ts + "}");
                }
            } else if (path.equals("/etag")) {
                if ("\"v1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                    exchange.sendResponseHeaders(304, -1);
                    exchange.close();
                } else {
                    exchange.getResponseHeaders().add("ETag", "\"v1\"");
                    respond(exchange, 200, "{\"value\": 7, \"timestamp\": " + ts + "}");
                }
            } else if (path.equals("/moved")) {
                exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
                respond(exchange, 302, "");
            } else {
                respond(exchange, 500, "broken");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void pollsEveryUrlRetriesTheFlakyOneUsesETagsAndReportsTheOneThatIsDown(TestConfig test) {
        TestConfig config = test.named("poll");
        Path db = config.db();
        String extra = """
                sources {
                  devices {
                    type = http-poll
                    interval = 300ms
                    timeout = 2s
                    retry { attempts = 2, min-backoff = 50ms, max-backoff = 200ms }
                    headers { Authorization = "Bearer s3cret" }
                    urls = [
                      { url = "%s", fixed { sensor = boiler-1, metric = temperature, tags { site = north } } }
                      { url = "%s", fixed { sensor = meter-1, metric = energy } }
                      { url = "%s", fixed { sensor = dead-1, metric = temperature } }
                    ]
                  }
                  once {
                    # One poll only: the reading arrives only if the retries within that poll work.
                    type = http-poll
                    interval = 1h
                    retry { attempts = 2, min-backoff = 50ms, max-backoff = 200ms }
                    urls = [ { url = "%s", fixed { sensor = pump-1, metric = pressure } } ]
                  }
                  gateway {
                    type = http-poll
                    interval = 300ms
                    urls = [ "%s" ]
                    items = "/readings"
                    value = "/v"
                    timestamp = "/t"
                    sensor = "/id"
                    metric = "/kind"
                  }
                }
                """.formatted(url("/boiler"), url("/etag"), url("/down"), url("/flaky"), url("/gateway"));
        int port = DAEMONS.launch(config.with(extra).parse()).httpPort();

        await().atMost(Duration.ofSeconds(15)).until(() ->
                Sql.count(db, "SELECT count(*) FROM series WHERE sensor IN ('boiler-1', 'pump-1', 'meter-1', 'g-1')") == 4
                        && hits.getOrDefault("/etag", new AtomicInteger()).get() >= 3
                        && hits.getOrDefault("/down", new AtomicInteger()).get() >= 6);
        // The same reading polled again and again is stored once.
        assertThat(Sql.count(db, "SELECT count(*) FROM readings_all")).isEqualTo(4);
        assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE origin = 'gateway' AND reason = 'wrong-type'"))
                .isGreaterThanOrEqualTo(1);
        assertThat(Sql.count(db, "SELECT count(*) FROM series WHERE sensor = 'dead-1'")).isZero();
        assertThat(authorization.get("/boiler")).isEqualTo("Bearer s3cret");
        assertThat(authorization.get("/gateway")).isEqualTo("null");

        Http.Response ready = Http.get(port, "/health/ready");
        assertThat(ready.status()).as("one URL of four down is reported, not fatal").isEqualTo(200);
        assertThat(ready.body()).contains("1 of 3 URLs down", "/down (HTTP 500)");
        String metrics = Http.get(port, "/metrics").body();
        assertThat(metrics).contains("sensorflow_feed_up{source=\"devices\",url=\"" + url("/down") + "\"} 0.0",
                "sensorflow_feed_up{source=\"once\",url=\"" + url("/flaky") + "\"} 1.0");
        assertThat(hits.get("/flaky").get()).as("one poll, two retries").isEqualTo(3);
        assertThat(metrics).containsPattern("sensorflow_source_requests_total\\{outcome=\"304\",source=\"devices\"\\} [1-9]");
        assertThat(metrics).containsPattern("sensorflow_source_requests_total\\{outcome=\"5xx\",source=\"once\"\\} 2.0");
    }

    @Test
    void maxConcurrencyBoundsTheRequestsInFlightAcrossAllUrls(TestConfig test) {
        TestConfig config = test.named("slow");
        Path db = config.db();
        StringBuilder urls = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            urls.append("{ url = \"").append(url("/slow/" + i)).append("\", fixed { sensor = s-").append(i)
                    .append(", metric = m } }\n");
        }
        String extra = "sources { slow { type = http-poll, interval = 200ms, max-concurrency = 2, urls = [\n" + urls
                + "] } }";
        DAEMONS.launch(config.with(extra).parse());
        await().atMost(Duration.ofSeconds(15)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == 10);
        assertThat(maxInFlight.get()).isEqualTo(2);
    }

    @Test
    void neitherAMetadataAddressNorARedirectIsFollowedAndTheFeedSaysWhy(TestConfig test) {
        TestConfig config = test.named("guard");
        String extra = """
                sources.guarded {
                  type = http-poll
                  interval = 300ms
                  retry { attempts = 0 }
                  urls = [
                    { url = "http://169.254.169.254/latest/meta-data/", fixed { sensor = cloud, metric = m } }
                    { url = "%s", fixed { sensor = moved, metric = m } }
                    { url = "%s", fixed { sensor = boiler-1, metric = temperature } }
                  ]
                }
                sources.strict {
                  type = http-poll
                  interval = 300ms
                  guard.loopback = false
                  urls = [ { url = "%s", fixed { sensor = boiler-2, metric = temperature } } ]
                }
                """.formatted(url("/moved"), url("/boiler"), url("/boiler"));
        int port = DAEMONS.launch(config.with(extra).parse()).httpPort();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(Http.get(port, "/health/ready").body())
                .contains("2 of 3 URLs down", "cloud metadata address", "redirects are not followed",
                        "loopback is off"));
        // The feed's health can be written before the allowed URL's reading is committed: wait for the row too.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Sql.count(config.db(), "SELECT count(*) FROM series")).as("only the allowed URL's reading")
                .isEqualTo(1));
        assertThat(Sql.count(config.db(), "SELECT count(*) FROM series WHERE sensor IN ('cloud', 'moved', 'boiler-2')"))
                .as("nothing from the refused URLs").isZero();
        assertThat(hits.get("/moved").get()).isPositive();
        assertThat(hits.get("/boiler").get()).as("the strict source never called it either")
                .isLessThanOrEqualTo(hits.get("/moved").get() + 1);
    }
}
