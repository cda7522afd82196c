package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 2,000 sensors at once: 1,000 on one broker, 750 on another, 250 behind 50 polled URLs, into one daemon. Every
 * reading is stored exactly once although the URLs answer the same readings poll after poll.
 */
class ManyFeedsIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();
    /** A second broker, for a second mqtt source beside the test config's own. */
    @RegisterExtension
    static final MosquittoBroker BROKER_B = new MosquittoBroker();

    private static final int READINGS_EACH = 3;
    private static final int URLS = 50;
    private static final int SENSORS_PER_URL = 5;

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void twoThousandSensorsOnTwoBrokersAndFiftyUrlsAreEachStoredOnce(TestConfig test) throws Exception {
        long t0 = System.currentTimeMillis() - 3_600_000;
        AtomicInteger polls = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/feed/", exchange -> {
            int feed = Integer.parseInt(exchange.getRequestURI().getPath().substring("/feed/".length()));
            polls.incrementAndGet();
            StringBuilder body = new StringBuilder("{\"readings\": [");
            for (int s = 0; s < SENSORS_PER_URL; s++) {
                for (int r = 0; r < READINGS_EACH; r++) {
                    body.append(s + r == 0 ? "" : ",").append("{\"id\": \"http-").append(feed).append('-').append(s)
                            .append("\", \"kind\": \"level\", \"v\": ").append(r).append(", \"t\": ").append(t0 + r * 1000L).append('}');
                }
            }
            byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        StringBuilder urls = new StringBuilder();
        for (int i = 0; i < URLS; i++) {
            urls.append("\"http://127.0.0.1:").append(server.getAddress().getPort()).append("/feed/").append(i).append("\"\n");
        }
        TestConfig config = test.named("many-a");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config.with("""
                sources {
                  second {
                    type = mqtt
                    url = "%s"
                    client-id = many-b
                    subscriptions = [ { topic = "site-b/{sensor}/{metric}", qos = 1, timestamp = "/ts" } ]
                  }
                  gateways {
                    type = http-poll
                    interval = 500ms
                    max-concurrency = 8
                    items = "/readings"
                    value = "/v"
                    timestamp = "/t"
                    sensor = "/id"
                    metric = "/kind"
                    urls = [ %s ]
                  }
                }
                """.formatted(BROKER_B.url(), urls)));
        int port = daemon.httpPort();
        long started = System.nanoTime();
        try (TestMqttClient a = new TestMqttClient(DAEMONS.broker()); TestMqttClient b = new TestMqttClient(BROKER_B)) {
            for (int r = 0; r < READINGS_EACH; r++) {
                for (int s = 0; s < 1000; s++) {
                    a.publish("sensors/mqtt-a-" + s + "/temperature", "{\"value\": " + r + ", \"ts\": " + (t0 + r * 1000L) + "}");
                    if (s < 750) {
                        b.publish("site-b/mqtt-b-" + s + "/humidity", "{\"value\": " + r + ", \"ts\": " + (t0 + r * 1000L) + "}");
                    }
                }
            }
        }
        long expected = (1000L + 750 + URLS * SENSORS_PER_URL) * READINGS_EACH;
        await().atMost(Duration.ofSeconds(60)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") >= expected
                && polls.get() >= 3 * URLS);
        long took = (System.nanoTime() - started) / 1_000_000;
        assertThat(Sql.count(db, "SELECT count(*) FROM series")).isEqualTo(2000);
        assertThat(Sql.count(db, "SELECT count(*) FROM readings_all")).isEqualTo(expected);
        assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters")).isZero();
        String metrics = Http.get(port, "/metrics").body();
        // The polls after the first answered readings the store had: counted as duplicates, not stored again.
        assertThat(metrics).containsPattern("sensorflow_readings_duplicate_total [1-9]");
        // 50 URLs of one host, at most max-per-host (2) at a time, every 500 ms: they fall behind, and it shows.
        assertThat(metrics).containsPattern(
                "sensorflow_source_requests_total\\{outcome=\"skipped\",source=\"gateways\"} [1-9]");
        System.out.printf("many feeds: %d readings of 2,000 sensors stored once in %d ms (%d polls)%n", expected, took,
                polls.get());
    }
}
