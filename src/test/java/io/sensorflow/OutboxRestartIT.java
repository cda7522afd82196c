package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbox across {@code kill -9}: the real jar commits a transition whose webhook cannot be delivered yet (the
 * receiver answers 503), is killed, and delivers it after the restart, with the same idempotency key.
 */
class OutboxRestartIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    @Test
    void aDeliveryPendingAtKillNineGoesOutAfterTheRestartWithItsKey(TestConfig test) throws Exception {
        List<String> answered = Collections.synchronizedList(new ArrayList<>());
        boolean[] down = {true};
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int status = down[0] ? 503 : 200;
            answered.add(status + " " + exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        int port = MosquittoBroker.freePort();
        long t0 = System.currentTimeMillis();
        TestConfig config = test.named("outbox-restart-it").with("""
                http.port = %d
                pipeline.action-retry { first-backoff = 200ms, max-backoff = 500ms }
                rules.too-hot.actions = [ fan, page ]
                actions.page { type = webhook, url = "http://127.0.0.1:%d/hook" }
                """.formatted(port, receiver.getAddress().getPort()));
        Path db = config.db();
        Path file = config.write();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            Process process = DAEMONS.jar(file);
            DaemonExtension.awaitReady(port);
            client.publish("sensors/lab-1/temperature", "{\"value\": 35, \"ts\": " + t0 + "}");
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.size() >= 2);
            assertThat(Sql.count(db, "SELECT count(*) FROM deliveries WHERE action = 'page' AND status = 'pending'"))
                    .isEqualTo(1);

            process.destroyForcibly().waitFor(); // kill -9, with the page still to deliver
            down[0] = false;
            int before = answered.size();
            DAEMONS.jar(file);
            DaemonExtension.awaitReady(port);
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.stream().anyMatch(a -> a.startsWith("200")));
            String key = answered.get(0).substring(4);
            assertThat(key).matches("[0-9a-f-]+:firing:" + t0 + ":page");
            assertThat(answered.subList(0, before)).as("before the kill").allMatch(a -> a.equals("503 " + key));
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    Sql.count(db, "SELECT count(*) FROM deliveries WHERE status = 'done'") == 2);
            assertThat(answered.stream().filter(a -> a.startsWith("200")).toList()).containsExactly("200 " + key);
        } finally {
            receiver.stop(0);
        }
    }
}
