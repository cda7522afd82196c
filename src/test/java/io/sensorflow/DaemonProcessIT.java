package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shaded jar as an operator runs it: a real process, real signals, real exit codes. */
class DaemonProcessIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    @AfterEach
    void brokerBack() throws Exception {
        DAEMONS.broker().start();
    }

    @Test
    void waitsForTheBrokerThenRunsQuietlyAndExitsZeroOnSigterm(TestConfig test) throws Exception {
        int httpPort = MosquittoBroker.freePort();
        TestConfig process = test.named("process-it").with("http.port = " + httpPort);
        Path db = process.db();
        Path config = process.write();
        Path log = DAEMONS.log();

        DAEMONS.broker().stop();
        Process daemon = DAEMONS.jar(config);
        await("ready endpoint answers").atMost(Duration.ofSeconds(20))
                .until(() -> Http.get(httpPort, "/health/ready").status() == 503);
        assertThat(Http.get(httpPort, "/health/ready").body())
                .contains("\"status\":\"not-ready\"", "source plant", "not connected");
        assertThat(Http.get(httpPort, "/health/live").status()).isEqualTo(200);

        DAEMONS.broker().start();
        await("ready once the broker is back").atMost(Duration.ofSeconds(20))
                .until(() -> Http.get(httpPort, "/health/ready").status() == 200);

        List<String> startup = Files.readAllLines(log);
        assertThat(String.join("\n", startup)).contains("source: mqtt source 'plant'", "rule: too-hot",
                "action: fan", "action: audit", "http: listening on http://127.0.0.1:" + httpPort);
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            for (int i = 0; i < 200; i++) {
                client.publish("sensors/quiet-" + (i % 4) + "/temperature",
                        "{\"value\": 20.5, \"ts\": " + (1_000_000L + i) + "}");
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM readings") == 200);
        assertThat(Files.readAllLines(log)).as("normal operation logs nothing per reading").hasSize(startup.size());

        long stopping = System.nanoTime();
        daemon.destroy(); // SIGTERM
        assertThat(daemon.waitFor(15, TimeUnit.SECONDS)).as("exits within the shutdown timeout").isTrue();
        assertThat(daemon.exitValue()).isZero();
        System.out.printf("SIGTERM -> exit took %d ms%n", (System.nanoTime() - stopping) / 1_000_000);
        assertThat(Files.readString(log)).contains("shutdown: pipeline drained");
    }

    @Test
    void refusesToStartOnABrokenConfigAndSaysWhy() throws Exception {
        Path config = DAEMONS.dir().resolve("broken.conf");
        Files.writeString(config, "sensorflow {\n  sources.plant { type = mqtt, subscriptions = [] }\n  rules.r { when = \"value >\" }\n}\n");
        Path log = DAEMONS.log();
        Process process = DAEMONS.jar(config);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log))
                .contains(config + ":2: sensorflow.sources.plant.subscriptions: must name at least one topic")
                .contains(config + ":3: sensorflow.rules.r.when: CEL does not compile")
                .doesNotContain("Exception");
    }
}
