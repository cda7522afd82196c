package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A target that accepts connections and never answers, beside one that works: the hanging one holds at most
 * {@code pipeline.action-concurrency} of the outbox's slots, its breaker opens and shows in {@code /health/ready},
 * and the other target and ingest go on as if it were not there.
 */
class ActionBreakerIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private HttpServer live;
    private final Set<String> liveKeys = ConcurrentHashMap.newKeySet();
    private ServerSocket dead;
    private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());
    private Thread acceptor;

    @BeforeEach
    void targets() throws Exception {
        live = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        live.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            liveKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        live.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        live.start();
        // Accepts and reads nothing, answers nothing: a target whose process hangs.
        dead = new ServerSocket(0, 1000, java.net.InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!dead.isClosed()) {
                try {
                    held.add(dead.accept());
                } catch (java.io.IOException closed) {
                    return;
                }
            }
        }, "dead-target");
        acceptor.start();
    }

    @AfterEach
    void stop() throws Exception {
        live.stop(0);
        dead.close();
        synchronized (held) {
            for (Socket socket : held) {
                socket.close();
            }
        }
        acceptor.join(2_000);
    }

    @Test
    void aTargetThatNeverAnswersTripsItsBreakerAndHoldsUpNeitherIngestNorTheOtherTarget(TestConfig test)
            throws Exception {
        TestConfig config = test.named("breaker-it").with("""
                pipeline.action-breaker { max-failures = 5, reset-timeout = 1m }
                rules.flip { match { metric = "door" }, when = "value > 30.0", actions = [dead, live] }
                actions {
                  dead { type = webhook, url = "http://127.0.0.1:%d/hook", timeout = 10s }
                  live { type = webhook, url = "http://127.0.0.1:%d/hook", timeout = 2s }
                }
                """.formatted(dead.getLocalPort(), live.getAddress().getPort()));
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        // 100 sensors, each firing and resolving twice: 400 transitions, 400 deliveries to each target.
        long t0 = System.currentTimeMillis() - 60_000;
        long started = System.nanoTime();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int i = 0; i < 4; i++) {
                for (int s = 0; s < 100; s++) {
                    client.publish("sensors/door-" + s + "/door",
                            "{\"value\": " + (i % 2 == 0 ? 35 : 20) + ", \"ts\": " + (t0 + i * 1000L) + "}");
                }
            }
        }
        await("every reading stored").atMost(Duration.ofSeconds(20))
                .until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 400);
        // The dead target's attempts time out only after 10 s: had they taken every slot, nothing would reach the
        // live one before then.
        await("the live target has every delivery, long before the dead one's first timeout")
                .atMost(Duration.ofSeconds(8)).until(() -> liveKeys.size() == 400);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
        assertThat(held.size()).as("the dead target holds at most action-concurrency attempts").isLessThanOrEqualTo(32);

        await("the breaker opens once 5 attempts have timed out").atMost(Duration.ofSeconds(30))
                .until(() -> Http.get(daemon.httpPort(), "/metrics").body()
                        .contains("sensorflow_action_breaker_open{action=\"dead\"} 1.0"));
        Http.Response ready = Http.get(daemon.httpPort(), "/health/ready");
        assertThat(ready.status()).as("a target that is down degrades readiness, it does not fail it").isEqualTo(200);
        assertThat(ready.body()).contains("action dead", "circuit breaker open");
        int attempts = held.size();
        assertThat(Sql.count(db, "SELECT count(*) FROM deliveries WHERE action = 'dead' AND status = 'pending'"))
                .as("the dead target's deliveries wait, none is given up").isEqualTo(400);

        // Ingest goes on while the breaker is open, and no new attempt reaches the dead target.
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int s = 0; s < 100; s++) {
                client.publish("sensors/door-" + s + "/door", "{\"value\": 35, \"ts\": " + (t0 + 4_000) + "}");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> liveKeys.size() == 500);
        assertThat(Sql.count(db, "SELECT count(*) FROM readings")).isEqualTo(500);
        assertThat(held.size()).as("no attempt while the breaker is open").isEqualTo(attempts);
    }
}
