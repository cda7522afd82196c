package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole way from MQTT readings to a real webhook receiver: a flapping sensor with a cooldown, while the receiver
 * answers 503 for its first 30 seconds. Afterwards it has got exactly the deliveries the cooldown lets through, each
 * idempotency key accepted once.
 */
class ActionFlappingIT {

    private static final long OUTAGE_MS = 30_000;
    private static final List<String> SENSORS = List.of("freezer-1", "freezer-2");

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private HttpServer receiver;
    /** Each request: idempotency key, status answered, body. */
    private final List<String[]> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile long firstRequest;

    @BeforeEach
    void receiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            long now = System.currentTimeMillis();
            synchronized (requests) {
                if (firstRequest == 0) {
                    firstRequest = now;
                }
            }
            int status = now - firstRequest < OUTAGE_MS ? 503 : 200;
            requests.add(new String[] {exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    Integer.toString(status), body});
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    @Test
    void aFlappingSensorWithACooldownDeliversExactlyWhatTheCooldownLetsThroughAfterAnOutage(TestConfig test)
            throws Exception {
        TestConfig config = test.named("flapping-it").with("""
                pipeline {
                  action-retry { first-backoff = 200ms, max-backoff = 2s }
                  action-breaker { max-failures = 5, reset-timeout = 2s }
                }
                rules.flappy { match { metric = "door" }, when = "value > 30.0", cooldown = 15s, actions = [hook] }
                actions.hook { type = webhook, url = "http://127.0.0.1:%d/hook", timeout = 2s }
                """.formatted(receiver.getAddress().getPort()));
        Path db = config.db();
        DAEMONS.start(config);
        // A minute of flapping: above the threshold on even seconds, below it on odd ones, in event time.
        long t0 = System.currentTimeMillis() - 120_000;
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int i = 0; i < 60; i++) {
                for (String sensor : SENSORS) {
                    client.publish("sensors/" + sensor + "/door",
                            "{\"value\": " + (i % 2 == 0 ? 35 : 20) + ", \"ts\": " + (t0 + i * 1000L) + "}");
                }
            }
        }
        await("every reading stored").atMost(Duration.ofSeconds(20))
                .until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 120);
        assertThat(Sql.count(db, "SELECT count(*) FROM alert_events WHERE state = 'firing'"))
                .as("the alert itself fires on every flap").isEqualTo(60);

        // Cooldown 15 s from the last firing whose actions ran: the episodes that fired at 0, 16, 32 and 48 s, each
        // with its firing and its resolved a second later.
        Map<String, List<String>> expected = new TreeMap<>();
        for (String sensor : SENSORS) {
            List<String> each = new ArrayList<>();
            for (long s : new long[] {0, 16, 32, 48}) {
                each.add("firing@" + s);
                each.add("resolved@" + (s + 1));
            }
            expected.put(sensor, each);
        }
        await("the deliveries done after the outage").atMost(Duration.ofSeconds(75))
                .until(() -> Sql.count(db, "SELECT count(*) FROM deliveries WHERE status = 'done'") == 16);

        List<String> accepted;
        List<String> bodies;
        synchronized (requests) {
            accepted = requests.stream().filter(r -> r[1].equals("200")).map(r -> r[0]).toList();
            bodies = requests.stream().filter(r -> r[1].equals("200")).map(r -> r[2]).toList();
            assertThat(requests).as("tried during the outage").anyMatch(r -> r[1].equals("503"));
        }
        assertThat(accepted).as("each idempotency key accepted once").doesNotHaveDuplicates().hasSize(16);
        assertThat(Sql.count(db, "SELECT count(*) FROM deliveries WHERE status <> 'done'")).isZero();
        assertThat(delivered(bodies, t0)).isEqualTo(expected);
    }

    /** What the accepted bodies (the alert as JSON) were for, as "state@second" per sensor, in event time order. */
    private static Map<String, List<String>> delivered(List<String> bodies, long t0) throws Exception {
        Map<String, List<String>> bySensor = new TreeMap<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> alerts = new ArrayList<>();
        for (String body : bodies) {
            alerts.add(json.readTree(body));
        }
        alerts.sort(java.util.Comparator.comparingLong(a -> a.get("timestamp").asLong()));
        for (com.fasterxml.jackson.databind.JsonNode alert : alerts) {
            bySensor.computeIfAbsent(alert.get("sensor").asText(), s -> new ArrayList<>())
                    .add(alert.get("state").asText() + "@" + (alert.get("timestamp").asLong() - t0) / 1000);
        }
        return bySensor;
    }
}
