package io.sensorflow.source.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.config.ConfigException;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** max-per-host: a slow host gets its share of the source's requests, never the other hosts' share. */
class HttpPollSourceTest {

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private ActorSystem system;

    @AfterEach
    void stop() throws Exception {
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        servers.forEach(server -> server.stop(0));
        executors.forEach(ExecutorService::shutdownNow);
    }

    /** A loopback server on a port of its own (a host of its own for max-per-host) that counts what reaches it. */
    private final class Host {
        final HttpServer server;
        final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();

        Host(Duration delay) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            ExecutorService executor = Executors.newFixedThreadPool(16);
            executors.add(executor);
            server.setExecutor(executor);
            server.createContext("/", exchange -> serve(exchange, delay));
            server.start();
            servers.add(server);
        }

        private void serve(HttpExchange exchange, Duration delay) throws IOException {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                hits.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
                Thread.sleep(delay.toMillis());
                byte[] body = "{\"value\": 1}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                served.incrementAndGet();
                exchange.close();
            }
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }
    }

    private static HttpPollSourceConfig config(String source) {
        return (HttpPollSourceConfig) ConfigLoader.bind(ConfigFactory.parseString(source)).sources().get("poll");
    }

    private static String urls(Host host, String prefix, int count) {
        StringBuilder urls = new StringBuilder();
        for (int i = 0; i < count; i++) {
            urls.append("{ url = \"").append(host.url(prefix + i)).append("\", fixed { sensor = ").append(prefix
                    .replace("/", "")).append('-').append(i).append(", metric = m } }\n");
        }
        return urls.toString();
    }

    @Test
    void aSlowHostGetsAtMostMaxPerHostRequestsAndTheOtherHostIsStillPolledOnTime() throws IOException {
        Host slow = new Host(Duration.ofMillis(500));
        Host fast = new Host(Duration.ZERO);
        // Eight slow URLs want a 500 ms request every 200 ms: without a cap per host they would hold all four of the
        // source's permits and queue ahead of the fast URLs, which would then be polled about once a second.
        HttpPollSourceConfig config = config("""
                sensorflow.sources.poll {
                  type = http-poll
                  interval = 200ms
                  timeout = 5s
                  max-concurrency = 4
                  max-per-host = 2
                  retry.attempts = 0
                  urls = [ %s %s ]
                }
                """.formatted(urls(slow, "/slow/", 8), urls(fast, "/fast/", 4)));
        system = ActorSystem.create("poll-per-host");
        Metrics metrics = new Metrics();
        HttpPollSource source = new HttpPollSource(config, new SourceContext(system, Clock.systemUTC(), metrics,
                new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20)));
        long started = System.nanoTime();
        source.incoming().runWith(Sink.ignore(), system);

        // Two at a time, ten slow answers take at least 2.5 s.
        await().atMost(Duration.ofSeconds(15)).until(() -> slow.served.get() >= 10);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        source.stopIntake();

        assertThat(slow.maxInFlight.get()).as("requests at once to the slow host").isEqualTo(2);
        assertThat(fast.maxInFlight.get()).as("requests at once to the fast host").isLessThanOrEqualTo(2);
        // Every 200 ms when on time; half that leaves room for a busy machine, and is well above the once a second
        // the fast URLs would get behind the slow ones.
        long onTime = elapsedMs / 200 / 2;
        for (int i = 0; i < 4; i++) {
            assertThat(fast.hits.get("/fast/" + i)).as("polls of /fast/%d in %d ms", i, elapsedMs).isNotNull()
                    .satisfies(hits -> assertThat(hits.get()).isGreaterThanOrEqualTo((int) onTime));
        }
        assertThat(metrics.sourceCounts("poll")).extractingByKey("requests").asString().contains("2xx");
    }

    private static String scrape(Metrics metrics) {
        return new String(metrics.scrape(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void inAClusterOnlyTheURLsThisNodeHoldsArePolledAndAMovedURLsStateIsNoLongerReportedHere() throws IOException {
        Host host = new Host(Duration.ZERO);
        HttpPollSourceConfig config = config("""
                sensorflow.sources.poll { type = http-poll, interval = 100ms, retry.attempts = 0, urls = [ %s ] }
                """.formatted(urls(host, "/u/", 2)));
        system = ActorSystem.create("poll-cluster");
        Metrics metrics = new Metrics();
        java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
        held.add("poll " + host.url("/u/0"));
        HttpPollSource source = new HttpPollSource(config, new SourceContext(system, Clock.systemUTC(), metrics,
                new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20), () -> null, held::contains));
        source.incoming().runWith(Sink.ignore(), system);

        await().atMost(Duration.ofSeconds(10)).until(() -> host.hits.containsKey("/u/0")
                && host.hits.get("/u/0").get() >= 3);
        assertThat(host.hits).as("the other node's URL").doesNotContainKey("/u/1");
        assertThat(source.readiness().ready()).isTrue();
        assertThat(scrape(metrics)).contains("/u/0\"} 1.0").doesNotContain("/u/1\"}");

        // The shard moves to another node: this one stops polling it and no longer reports its state.
        held.clear();
        int before = host.hits.get("/u/0").get();
        await().atMost(Duration.ofSeconds(10)).until(() -> !scrape(metrics).contains("/u/0\"}"));
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(host.hits.get("/u/0").get()).as("at most the poll in flight").isLessThanOrEqualTo(before + 1);
        assertThat(source.readiness()).satisfies(r -> {
            assertThat(r.ready()).isTrue();
            assertThat(r.detail()).contains("other nodes");
        });
        source.stopIntake();
    }

    @Test
    void maxPerHostWrittenAboveMaxConcurrencyIsAProblemWhileTheDefaultFollowsASmallerMaxConcurrency() {
        assertThatThrownBy(() -> config("""
                sensorflow.sources.poll {
                  type = http-poll, max-concurrency = 2, max-per-host = 3
                  urls = [ { url = "http://127.0.0.1:1/x", fixed { sensor = s, metric = m } } ]
                }
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(1)
                .first().asString().contains("sensorflow.sources.poll.max-per-host",
                        "must not be more than max-concurrency (2), got 3"));

        HttpPollSourceConfig one = config("""
                sensorflow.sources.poll {
                  type = http-poll, max-concurrency = 1
                  urls = [ { url = "http://127.0.0.1:1/x", fixed { sensor = s, metric = m } } ]
                }
                """);
        assertThat(one.maxPerHost()).as("the default of 2, lowered").isEqualTo(1);
        HttpPollSourceConfig defaults = config("""
                sensorflow.sources.poll {
                  type = http-poll
                  urls = [ { url = "http://127.0.0.1:1/x", fixed { sensor = s, metric = m } } ]
                }
                """);
        assertThat(defaults.maxConcurrency()).isEqualTo(8);
        assertThat(defaults.maxPerHost()).isEqualTo(2);
    }

    @Test
    void aHostIsItsNameAsWrittenAndItsPortWithTheSchemesDefault() {
        assertThat(HttpPollSource.hostAndPort(URI.create("http://Gateway.local/a"))).isEqualTo("gateway.local:80");
        assertThat(HttpPollSource.hostAndPort(URI.create("https://gateway.local/b"))).isEqualTo("gateway.local:443");
        assertThat(HttpPollSource.hostAndPort(URI.create("http://10.0.0.7:8090/c"))).isEqualTo("10.0.0.7:8090");
    }
}
