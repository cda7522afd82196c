package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rule state across {@code kill -9}: the real jar, killed without warning after an alert fired and while another
 * was pending, then started again on the same store and broker session.
 */
class RuleRestartIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    @Test
    void afterKillNineAFiringAlertIsNeitherFiredAgainNorForgottenAndAPendingOneResumes(TestConfig test)
            throws Exception {
        int port = MosquittoBroker.freePort();
        long t0 = System.currentTimeMillis();
        TestConfig rules = test.named("rule-restart-it").with("""
                http.port = %d
                rules.slow-hot { match { metric = humidity }, when = "value > 80.0", for = 1h, actions = [fan] }
                """.formatted(port));
        Path db = rules.db();
        Path config = rules.write();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> fans = client.subscribe("actuators/#");
            Process process = DAEMONS.jar(config);
            DaemonExtension.awaitReady(port);

            client.publish("sensors/lab-1/temperature", "{\"value\": 35, \"ts\": " + t0 + "}");
            TestMqttClient.Received on = fans.poll(10, TimeUnit.SECONDS);
            assertThat(on).isNotNull();
            assertThat(on.payload()).isEqualTo("{\"on\": true}");
            assertThat(on.properties()).as("the outbox's idempotency key, as an MQTT 5 user property")
                    .containsEntry("idempotency-key", firingKey(db, t0));
            // A pending alert whose for started at t0 - 10 min.
            client.publish("sensors/lab-2/humidity", "{\"value\": 90, \"ts\": " + (t0 - 600_000) + "}");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Sql.count(db, "SELECT count(*) FROM rule_states WHERE phase = 'pending'") == 1);
            String firing = Http.get(port, "/api/v1/alerts").body();
            assertThat(firing).contains("\"rule\":\"too-hot\"", "\"state\":\"firing\"");

            process.destroyForcibly().waitFor(); // kill -9
            DAEMONS.jar(config);
            DaemonExtension.awaitReady(port);

            String after = Http.get(port, "/api/v1/alerts").body();
            assertThat(after).as("the firing alert is remembered").contains("\"rule\":\"too-hot\"", "\"state\":\"firing\"")
                    .as("the pending one too, with its original start").contains("\"rule\":\"slow-hot\"",
                            "\"since\":" + (t0 - 600_000));
            client.publish("sensors/lab-1/temperature", "{\"value\": 36, \"ts\": " + (t0 + 1000) + "}");
            client.publish("sensors/lab-1/temperature", "{\"value\": 20, \"ts\": " + (t0 + 2000) + "}");
            TestMqttClient.Received next = fans.poll(10, TimeUnit.SECONDS);
            assertThat(next).as("the next command is the resolution, not a second 'on'").isNotNull();
            assertThat(next.topic()).isEqualTo("actuators/lab-1/fan");
            assertThat(next.payload()).isEqualTo("{\"on\": false}");
            assertThat(Sql.count(db, "SELECT count(*) FROM alert_events WHERE rule = 'too-hot' AND state = 'firing'"))
                    .isEqualTo(1);
            assertThat(Sql.count(db, "SELECT count(DISTINCT episode) FROM alert_events WHERE rule = 'too-hot'"))
                    .as("firing and resolved belong to one episode").isEqualTo(1);
        }
    }

    @Test
    void sighupReloadsTheRulesFromTheFile(TestConfig test) throws Exception {
        // Under nohup the daemon inherits HUP as ignored and the JVM will not handle it (the daemon warns so).
        org.junit.jupiter.api.Assumptions.assumeFalse(hupIgnored(), "SIGHUP is ignored here (run under nohup)");
        int port = MosquittoBroker.freePort();
        TestConfig hup = test.named("rule-hup-it").with("http.port = " + port);
        Path config = hup.write();
        Process process = DAEMONS.jar(config);
        DaemonExtension.awaitReady(port);
        hup.with("rules.cold { match { metric = temperature }, when = \"value < 5.0\", actions = [fan] }").write(config);
        new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start().waitFor();
        // The reload logs its outcome once the rules stage took the new rules: that line is the event to wait for.
        await("the reload's outcome is logged").atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(DAEMONS.log()).contains("reload: "));
        assertThat(Http.get(port, "/api/v1/rules").body()).contains("\"name\":\"cold\"");
        assertThat(Files.readString(DAEMONS.log())).contains("reload: 2 rules (1 kept their state, reset: [cold]");
        assertThat(process.isAlive()).as("SIGHUP does not stop the daemon").isTrue();
    }

    /** Whether this process was started with SIGHUP ignored, which the daemons it starts inherit. */
    private static boolean hupIgnored() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:"))
                .map(line -> Long.parseLong(line.substring("SigIgn:".length()).trim(), 16))
                .anyMatch(mask -> (mask & 1) != 0);
    }

    /** The idempotency key of the fan's delivery for too-hot's firing at {@code ts}, from the store. */
    private static String firingKey(Path db, long ts) {
        await().atMost(Duration.ofSeconds(5)).until(() -> Sql.count(db, "SELECT count(*) FROM deliveries WHERE "
                + "action = 'fan' AND state = 'firing' AND ts = " + ts) == 1);
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.ResultSet rs = connection.createStatement().executeQuery("SELECT episode FROM deliveries "
                     + "WHERE action = 'fan' AND state = 'firing' AND ts = " + ts)) {
            rs.next();
            return rs.getString(1) + ":firing:" + ts + ":fan";
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
