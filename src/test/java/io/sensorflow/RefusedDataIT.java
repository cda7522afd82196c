package io.sensorflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 5 of the reliability suite: readings PostgreSQL would refuse and SQLite would take (a NUL, an unpaired
 * surrogate) and readings past the text limits, mixed with good ones, over MQTT and HTTP push, on both stores. Before,
 * one NUL held every later reading on PostgreSQL behind it forever, while SQLite stored it. Now both dead-letter the
 * same readings with the same reasons, store the same good ones, and intake never stops.
 */
class RefusedDataIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker().withPostgres();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onSqlite(TestConfig test) throws Exception {
        assertThat(run(test.named("refused-sqlite"))).isEqualTo(expected());
    }

    @Test
    void onPostgresTheSameReadingsAreStoredAndTheSameRefused(TestConfig test) throws Exception {
        assertThat(run(test.named("refused-pg").onPostgres())).isEqualTo(expected());
    }

    private static List<String> expected() {
        return List.of("http 400 accepted 2", "stored 5", "invalid-text 4", "too-long 2", "too-many-tags 1",
                "ready");
    }

    private List<String> run(TestConfig test) throws Exception {
        TestConfig config = test.with("""
                pipeline.limits { max-name-length = 40, max-tags = 2 }
                sources {
                  plant.subscriptions = [
                    { topic = "sensors/{sensor}/{metric}", qos = 1, format = json, value = "/value", timestamp = "/ts" }
                    { topic = "named/{metric}", qos = 1, format = json, value = "/value", sensor = "/sensor" }
                  ]
                  push { type = http-push }
                }
                """);
        Daemon daemon = DAEMONS.start(config);
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();
        List<String> seen = new ArrayList<>();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            client.publish("named/t", "{\"sensor\": \"nul\\u0000here\", \"value\": 1}");
            client.publish("named/t", "{\"sensor\": \"half\\ud800\", \"value\": 1}");
            client.publish("named/t", "{\"sensor\": \"" + "n".repeat(41) + "\", \"value\": 1}");
            client.publish("sensors/good-1/t", "{\"value\": 1, \"ts\": " + now + "}");
            client.publish("named/t", "{\"sensor\": \"good-2\", \"value\": 2}");
        }
        Http.Response mixed = Http.post(port, "/api/v1/ingest", "application/json", ("["
                + "{\"sensor\": \"push-1\", \"metric\": \"t\", \"value\": 1, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"push\\u0000\", \"metric\": \"t\", \"value\": 2, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"push-2\", \"metric\": \"t\\u0007\", \"value\": 3, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"push-3\", \"metric\": \"" + "m".repeat(41) + "\", \"value\": 4},"
                + "{\"sensor\": \"push-4\", \"metric\": \"t\", \"value\": 5, \"timestamp\": " + now + ","
                + " \"tags\": {\"a\": \"1\", \"b\": \"2\", \"c\": \"3\"}},"
                + "{\"sensor\": \"push-5\", \"metric\": \"t\", \"value\": 6, \"timestamp\": " + now + "}]")
                .getBytes(StandardCharsets.UTF_8));
        JsonNode answer = JSON.readTree(mixed.body());
        seen.add("http " + mixed.status() + " accepted " + answer.path("accepted").asInt());
        // After the refused ones: intake goes on.
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            client.publish("sensors/good-3/t", "{\"value\": 3, \"ts\": " + now + "}");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> stored(port) == 5);
        seen.add("stored " + stored(port));
        String metrics = Http.get(port, "/metrics").body();
        for (String reason : List.of("invalid-text", "too-long", "too-many-tags")) {
            seen.add(reason + " " + (count(metrics, reason, "plant") + count(metrics, reason, "push")));
        }
        JsonNode letters = JSON.readTree(Http.get(port, "/api/v1/dead-letters?reason=invalid-text").body());
        assertThat(letters).allSatisfy(letter -> assertThat(letter.get("detail").asText()).doesNotContain("\u0000"));
        seen.add(Http.get(port, "/health/ready").status() == 200 ? "ready" : "not ready");
        DAEMONS.stop(daemon);
        return seen;
    }

    private static long stored(int port) throws Exception {
        JsonNode sensors = JSON.readTree(Http.get(port, "/api/v1/sensors").body());
        return sensors.size();
    }

    private static long count(String metrics, String reason, String source) {
        String prefix = "sensorflow_decode_errors_total{reason=\"" + reason + "\",source=\"" + source + "\"} ";
        return metrics.lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(prefix.length()))).sum();
    }
}
