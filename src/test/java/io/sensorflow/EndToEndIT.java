package io.sensorflow;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Promtool;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real broker, the real daemon pipeline, a real MQTT client on both ends, and the SQLite file it wrote. */
class EndToEndIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static String reading(double value, long ts) {
        return "{\"value\": " + value + ", \"ts\": " + ts + "}";
    }

    @Test
    void carriesReadingsThroughTheRuleToTheActuatorAndIntoTheStoreExactlyOnce(TestConfig config) throws Exception {
        Path db = config.named("e2e").db();
        Daemon daemon = DAEMONS.start(config.named("e2e"));
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> commands = client.subscribe("actuators/+/fan");
            long t0 = 1_795_331_700_000L;
            double[] values = {25, 31, 32, 29, 27, 26};
            for (int i = 0; i < values.length; i++) {
                client.publish("sensors/lab-1/temperature", reading(values[i], t0 + i * 1000L));
            }
            client.publish("sensors/lab-2/humidity", reading(55, t0));

            TestMqttClient.Received on = commands.poll(10, TimeUnit.SECONDS);
            TestMqttClient.Received off = commands.poll(10, TimeUnit.SECONDS);
            assertThat(on).isNotNull();
            assertThat(on.topic()).isEqualTo("actuators/lab-1/fan");
            assertThat(on.payload()).isEqualTo("{\"on\": true}");
            assertThat(off).isNotNull();
            assertThat(off.payload()).isEqualTo("{\"on\": false}");

            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 7);
            // A redelivered message (same sensor, metric and timestamp) must not create a second row.
            client.publish("sensors/lab-1/temperature", reading(31, t0 + 1000));
            client.publish("sensors/lab-2/humidity", reading(56, t0 + 1000));
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 8);
            assertThat(Sql.count(db, "SELECT count(*) FROM readings r JOIN series s ON s.id = r.series "
                    + "WHERE s.sensor = 'lab-1'")).isEqualTo(6);

            assertThat(commands.poll(300, TimeUnit.MILLISECONDS)).as("fires once, resolves once, nothing more").isNull();

            Http.Response sensors = Http.get(daemon.httpPort(), "/api/v1/sensors");
            assertThat(sensors.status()).isEqualTo(200);
            assertThat(sensors.body())
                    .contains("{\"sensor\":\"lab-1\",\"metric\":\"temperature\",\"value\":26.0,\"timestamp\":" + (t0 + 5000) + ",\"tags\":{}}")
                    .contains("{\"sensor\":\"lab-2\",\"metric\":\"humidity\",\"value\":56.0,\"timestamp\":" + (t0 + 1000) + ",\"tags\":{}}");

            // What Prometheus scrapes, after readings, an alert and its actions: every family well-formed, with JVM
            // metrics under their standard names.
            Http.Response metrics = Http.get(daemon.httpPort(), "/metrics");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body()).contains("sensorflow_alerts_total{", "sensorflow_http_queries_running",
                    "jvm_memory_used_bytes{", "process_cpu_seconds_total");
            assertThat(Promtool.check(metrics.body())).as("promtool check metrics").isEmpty();
        }
    }

    @Test
    void aBadPayloadIsDeadLetteredAndTheStreamKeepsFlowing(TestConfig config) throws Exception {
        Path db = config.named("bad-input").db();
        Daemon daemon = DAEMONS.start(config.named("bad-input"));
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            client.publish("sensors/lab-1/temperature", "not json at all");
            client.publish("sensors/lab-1/temperature", "{\"value\": \"hot\"}");
            client.publish("sensors/lab-1/temperature", reading(21, 1_000));
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 1
                    && Sql.count(db, "SELECT count(*) FROM dead_letters") == 2);
            assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'malformed-json'")).isEqualTo(1);
            assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'wrong-type'")).isEqualTo(1);
            String metrics = Http.get(daemon.httpPort(), "/metrics").body();
            assertThat(metrics).contains("sensorflow_decode_errors_total{reason=\"malformed-json\",source=\"plant\"} 1.0");
            assertThat(Http.get(daemon.httpPort(), "/health/ready").status()).isEqualTo(200);
        }
    }

    @Test
    void apiAnswersCurrentAlertsTheirHistoryRulesAndJsonErrors(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("api"));
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            client.publish("sensors/boiler/temperature", reading(99, 5_000));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Http.get(daemon.httpPort(), "/api/v1/alerts").body().contains("\"sensor\":\"boiler\""));
            assertThat(Http.get(daemon.httpPort(), "/api/v1/alerts").body())
                    .contains("\"rule\":\"too-hot\"", "\"state\":\"firing\"", "\"severity\":\"critical\"");
        }
        int port = daemon.httpPort();
        assertThat(Http.get(port, "/api/v1/alerts?state=firing").body()).contains("\"sensor\":\"boiler\"");
        assertThat(Http.get(port, "/api/v1/alerts?state=pending").body()).isEqualTo("[]");
        Http.Response badState = Http.get(port, "/api/v1/alerts?state=burning");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.body()).contains("state must be firing or pending");

        // Why did it fire? The transition, with what the condition saw, straight from the store.
        String id = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Http.get(port, "/api/v1/alerts").body()).get(0).get("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/api/v1/alerts/" + id).status() == 200);
        assertThat(Http.get(port, "/api/v1/alerts/" + id).body())
                .contains("\"rule\":\"too-hot\"", "\"current\":{", "\"transitions\":[{",
                        "\"state\":\"firing\"", "\"inputs\":{", "\"value\":99.0", "\"actions\":[\"fan\"]");
        assertThat(Http.get(port, "/api/v1/alerts/no-such-id").status()).isEqualTo(404);
        assertThat(Http.get(port, "/api/v1/alerts").body()).contains("\"acknowledged\":null");
        Http.Response ack = Http.post(port, "/api/v1/alerts/" + id + "/ack", "{\"by\": \"maria\", \"comment\": \"on it\"}");
        assertThat(ack.status()).isEqualTo(200);
        assertThat(Http.get(port, "/api/v1/alerts").body()).contains("\"acknowledged\":{", "\"by\":\"maria\"");
        assertThat(Http.post(port, "/api/v1/alerts/no-such-id/ack", "").status()).isEqualTo(404);
        assertThat(Http.get(port, "/api/v1/alerts/history?from=0&to=10000&rule=too-hot").body())
                .contains("\"id\":\"" + id + "\"");
        assertThat(Http.get(port, "/api/v1/alerts/history?from=6000&to=10000").body()).isEqualTo("[]");
        assertThat(Http.get(port, "/api/v1/alerts/history?from=yesterday").status()).isEqualTo(400);
        assertThat(Http.get(port, "/api/v1/alerts/history?limit=0").status()).isEqualTo(400);
        assertThat(Http.get(port, "/api/v1/rules").body())
                .contains("\"name\":\"too-hot\"", "\"type\":\"threshold\"", "\"when\":\"value > 30.0\"",
                        "\"alerts\":[{");

        Http.Response missing = Http.get(daemon.httpPort(), "/api/v1/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).startsWith("{\"error\":\"not-found\",\"message\":");
        assertThat(Http.get(daemon.httpPort(), "/health/live").status()).isEqualTo(200);
    }

    @Test
    void aSilenceMutesTheActuatorButNotTheAlertAndOutlivesARestart(TestConfig test) throws Exception {
        TestConfig config = test.named("silence");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        int port = daemon.httpPort();
        Http.Response bad = Http.post(port, "/api/v1/silences", "{\"sensor\": \"x\", \"duration\": \"1h\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("comment is required");
        assertThat(Http.post(port, "/api/v1/silences", "{\"comment\": \"all\", \"duration\": \"1h\"}").body())
                .contains("give at least one matcher");
        assertThat(Http.post(port, "/api/v1/silences", "not json").status()).isEqualTo(400);

        Http.Response created = Http.post(port, "/api/v1/silences",
                "{\"rule\": \"too-*\", \"sensor\": \"boiler-2\", \"duration\": \"1h\", \"comment\": \"maintenance\","
                        + " \"createdBy\": \"ops\"}");
        assertThat(created.status()).isEqualTo(201);
        String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).get("id").asText();
        assertThat(Http.get(port, "/api/v1/silences").body()).contains(id, "\"comment\":\"maintenance\"");

        DAEMONS.stop(daemon);
        int again = DAEMONS.start(config).httpPort();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> commands = client.subscribe("actuators/+/fan");
            client.publish("sensors/boiler-2/temperature", reading(99, 5_000));
            client.publish("sensors/boiler-3/temperature", reading(99, 5_000));
            TestMqttClient.Received command = commands.poll(10, TimeUnit.SECONDS);
            assertThat(command).isNotNull();
            assertThat(command.topic()).as("only the unsilenced boiler").isEqualTo("actuators/boiler-3/fan");
            assertThat(commands.poll(500, TimeUnit.MILLISECONDS)).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Http.get(again, "/api/v1/alerts").body().contains("\"sensor\":\"boiler-2\""));
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db,
                    "SELECT count(*) FROM alert_events WHERE sensor = 'boiler-2' AND muted = 'silence " + id + "'") == 1);
        }
        assertThat(Http.delete(again, "/api/v1/silences/" + id).status()).isEqualTo(200);
        assertThat(Http.get(again, "/api/v1/silences").body()).isEqualTo("[]");
        assertThat(Http.get(again, "/api/v1/silences?all=true").body()).contains(id);
        assertThat(Http.delete(again, "/api/v1/silences/nope").status()).isEqualTo(404);
    }

    /**
     * Not an assertion on speed (that is the benchmark's job): prints the publish → command latency of one reading,
     * repeated, so that a run shows the figure.
     */
    @Test
    void measuresPublishToCommandLatency(TestConfig config) throws Exception {
        DAEMONS.start(config.named("latency"));
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> commands = client.subscribe("actuators/+/fan");
            List<Long> micros = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long sent = System.nanoTime();
                client.publish("sensors/lat/temperature", reading(i % 2 == 0 ? 35 : 20, 10_000L + i));
                TestMqttClient.Received command = commands.poll(10, TimeUnit.SECONDS);
                assertThat(command).as("command %d", i).isNotNull();
                micros.add((command.receivedNanos() - sent) / 1000);
            }
            Collections.sort(micros);
            System.out.printf("publish -> command latency over %d alerts: p50 %.2f ms, p90 %.2f ms, max %.2f ms%n",
                    micros.size(), micros.get(micros.size() / 2) / 1000.0, micros.get(micros.size() * 9 / 10) / 1000.0,
                    micros.get(micros.size() - 1) / 1000.0);
        }
    }
}
