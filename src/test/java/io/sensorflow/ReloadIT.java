package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Rules change while the daemon runs: state is kept where the rule's kind did not change; a bad file changes nothing. */
class ReloadIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    @Test
    void aValidRuleSetReplacesTheOldOneAndKeepsTheStateOfUnchangedRules(TestConfig test) throws Exception {
        TestConfig config = test.named("reload");
        Path file = config.write(DAEMONS.dir().resolve("sensorflow.conf"));
        int port = DAEMONS.startFromFile(file).httpPort();
        try (TestMqttClient client = new TestMqttClient(DAEMONS.broker())) {
            BlockingQueue<TestMqttClient.Received> fans = client.subscribe("actuators/+/fan");
            client.publish("sensors/lab-1/temperature", "{\"value\": 35, \"ts\": 1000}");
            assertThat(fans.poll(10, TimeUnit.SECONDS)).isNotNull();

            // The threshold moves to 40 and a rule is added: too-hot keeps its state (lab-1 stays firing).
            config.with("""
                    rules.too-hot.when = "value > 40.0"
                    rules.humid { match { metric = humidity }, when = "value > 80.0", actions = [fan] }
                    """).write(file);
            Http.Response reloaded = Http.post(port, "/api/v1/admin/reload", "");
            assertThat(reloaded.status()).isEqualTo(200);
            assertThat(reloaded.body()).contains("\"kept\":[\"too-hot\"]", "\"reset\":[\"humid\"]");
            assertThat(Http.get(port, "/api/v1/rules").body()).contains("\"when\":\"value > 40.0\"", "\"name\":\"humid\"");
            assertThat(Http.get(port, "/api/v1/alerts").body()).contains("\"sensor\":\"lab-1\"", "\"state\":\"firing\"");

            client.publish("sensors/lab-2/temperature", "{\"value\": 35, \"ts\": 2000}");
            assertThat(fans.poll(700, TimeUnit.MILLISECONDS)).as("35 is below the new threshold").isNull();
            client.publish("sensors/lab-1/temperature", "{\"value\": 20, \"ts\": 3000}");
            TestMqttClient.Received off = fans.poll(10, TimeUnit.SECONDS);
            assertThat(off).as("the kept alert resolves").isNotNull();
            assertThat(off.payload()).isEqualTo("{\"on\": false}");

            // A broken file: nothing changes, and the answer names file, line and key.
            config.with("rules.too-hot.when = \"value >\"").write(file);
            Http.Response rejected = Http.post(port, "/api/v1/admin/reload", "");
            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.body()).contains("invalid-config", file.toString().replace("\\", "\\\\") + ":",
                    "sensorflow.rules.too-hot.when: CEL does not compile");
            client.publish("sensors/lab-3/temperature", "{\"value\": 45, \"ts\": 4000}");
            TestMqttClient.Received on = fans.poll(10, TimeUnit.SECONDS);
            assertThat(on).as("the previous rules keep running").isNotNull();
            assertThat(on.topic()).isEqualTo("actuators/lab-3/fan");
        }
    }
}
