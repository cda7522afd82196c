package io.sensorflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every kind of bad input, interleaved with good readings, over MQTT and HTTP push into one daemon: each is counted
 * per source and reason, kept as a dead letter with its payload, and no good reading is lost or delayed behind it.
 */
class BadInputIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 3;
    private static final int GOOD_BETWEEN = 5;

    @Test
    void everyMalformedKindIsCountedAndDeadLetteredAndEveryGoodReadingArrives(TestConfig test) throws Exception {
        TestConfig config = test.named("bad-input");
        Path db = config.db();
        long now = System.currentTimeMillis();
        // Over the 4 KiB limit; and nested past the parser's limit of 32.
        String big = "{\"value\": 1, \"pad\": \"" + "x".repeat(5000) + "\"}";
        String deep = "{\"value\": 1, \"a\": " + "[".repeat(40) + "]".repeat(40) + "}";
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("malformed-json", "{\"value\": 21.5,");
        bad.put("wrong-type", "{\"value\": \"hot\", \"ts\": " + now + "}");
        bad.put("non-finite", "{\"value\": 1e999, \"ts\": " + now + "}");
        bad.put("missing-value", "{\"temperature\": 21.5, \"ts\": " + now + "}");
        bad.put("payload-too-large", big);
        bad.put("too-deep", deep);
        bad.put("future-timestamp", "{\"value\": 1, \"ts\": " + (now * 1000) + "}");
        bad.put("past-timestamp", "{\"value\": 1, \"ts\": 86400000}");
        bad.put("bad-timestamp", "{\"value\": 1, \"ts\": \"yesterday\"}");
        bad.put("empty-payload", "");
        Daemon daemon = DAEMONS.start(config.with("""
                pipeline { max-payload = 4KiB, max-past-skew = 30d }
                sources {
                  plant.subscriptions = [
                    { topic = "sensors/{sensor}/{metric}", qos = 1, format = json, value = "/value", timestamp = "/ts" }
                    { topic = "raw/{sensor}/{metric}", qos = 1, format = number }
                  ]
                  push { type = http-push }
                }
                """));
        int port = daemon.httpPort();
        int good = 0;
        long started = System.nanoTime();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int round = 0; round < ROUNDS; round++) {
                for (Map.Entry<String, String> kind : bad.entrySet()) {
                    client.publish("sensors/lab-1/" + kind.getKey(), kind.getValue());
                    client.publish("raw/lab-1/level", "NaN");
                    for (int i = 0; i < GOOD_BETWEEN; i++) {
                        client.publish("sensors/lab-" + i + "/temperature",
                                "{\"value\": " + (20 + i) + ", \"ts\": " + (now - 10_000 + good) + "}");
                        good++;
                    }
                    // A bare number is stamped with its arrival time: a series of its own, so that two arriving in
                    // the same millisecond are not one reading.
                    client.publish("raw/level-" + good + "/level", Integer.toString(good));
                    good++;
                }
                // The same kinds by HTTP push, where a batch keeps its good elements.
                Http.Response mixed = Http.post(port, "/api/v1/ingest", "application/json", ("["
                        + "{\"sensor\": \"push-1\", \"metric\": \"t\", \"value\": 1, \"timestamp\": " + (now + round) + "},"
                        + "{\"sensor\": \"push-1\", \"metric\": \"t\", \"value\": \"hot\"},"
                        + "{\"metric\": \"t\", \"value\": 2},"
                        + "{\"sensor\": \"push-1\", \"metric\": \"t\", \"value\": 3, \"timestamp\": " + (now * 1000) + "},"
                        + "{\"sensor\": \"push-2\", \"metric\": \"t\", \"value\": 4, \"timestamp\": " + (now + round) + "}]")
                        .getBytes(StandardCharsets.UTF_8));
                assertThat(mixed.status()).isEqualTo(400);
                assertThat(JSON.readTree(mixed.body()).get("accepted").asInt()).isEqualTo(2);
                good += 2;
            }
        }
        int expected = good;
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == expected);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        for (String reason : bad.keySet()) {
            assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE origin = 'plant' AND reason = '" + reason
                    + "' AND topic = 'sensors/lab-1/" + reason + "'")).as(reason).isEqualTo(ROUNDS);
        }
        assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'non-finite' AND topic = 'raw/lab-1/level'"))
                .as("NaN as a bare number").isEqualTo((long) ROUNDS * bad.size());
        assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE origin = 'push'")).isEqualTo(3L * ROUNDS);
        // The over-size payload is kept, cut to 4 KiB.
        assertThat(Sql.count(db, "SELECT max(length(payload)) FROM dead_letters WHERE reason = 'payload-too-large'"))
                .isEqualTo(4096);

        String metrics = Http.get(port, "/metrics").body();
        for (String reason : bad.keySet()) {
            // The bare NaNs count as non-finite too.
            int count = reason.equals("non-finite") ? ROUNDS + ROUNDS * bad.size() : ROUNDS;
            assertThat(metrics).contains("sensorflow_decode_errors_total{reason=\"" + reason + "\",source=\"plant\"} "
                    + count + ".0");
        }
        assertThat(metrics).contains("sensorflow_decode_errors_total{reason=\"wrong-type\",source=\"push\"} " + ROUNDS + ".0",
                "sensorflow_decode_errors_total{reason=\"missing-sensor\",source=\"push\"} " + ROUNDS + ".0",
                "sensorflow_decode_errors_total{reason=\"future-timestamp\",source=\"push\"} " + ROUNDS + ".0");

        JsonNode letters = JSON.readTree(Http.get(port, "/api/v1/dead-letters?source=plant&reason=wrong-type").body());
        assertThat(letters).hasSize(ROUNDS);
        assertThat(letters.get(0).get("topic").asText()).isEqualTo("sensors/lab-1/wrong-type");
        assertThat(letters.get(0).get("payload").asText()).contains("\"hot\"");
        assertThat(Http.get(port, "/health/ready").status()).as("still running and ready").isEqualTo(200);
        System.out.printf("bad-input: %d good readings and %d bad payloads stored in %d ms%n", expected,
                ROUNDS * (2 * bad.size() + 3), took.toMillis());
    }
}
