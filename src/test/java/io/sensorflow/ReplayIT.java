package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code replay --execute-actions} publishes the rendered commands to a real broker. */
class ReplayIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    @Test
    void executesMqttActionsThroughTheSourcesBroker(MosquittoBroker broker) throws Exception {
        Path dir = DAEMONS.dir();
        Path config = dir.resolve("sensorflow.conf");
        Files.writeString(config, """
                sensorflow {
                  sources { plant { type = mqtt, url = "%s", client-id = replay-test,
                                    subscriptions = [ { topic = "sensors/{sensor}/{metric}" } ] } }
                  rules { hot { when = "value > 30.0", actions = [fan] } }
                  actions { fan { type = mqtt, source = plant, topic = "fans/{{sensor}}", payload = "{{state}}" } }
                }
                """.formatted(broker.url()));
        Path input = dir.resolve("readings.jsonl");
        Files.writeString(input, """
                {"sensor": "s1", "metric": "t", "value": 31, "timestamp": 1000}
                {"sensor": "s1", "metric": "t", "value": 20, "timestamp": 2000}
                """);
        try (TestMqttClient client = new TestMqttClient(broker)) {
            BlockingQueue<TestMqttClient.Received> fans = client.subscribe("fans/#");
            int exit = io.sensorflow.cli.SensorflowCommand.commandLine()
                    .execute("replay", "--config", config.toString(), "--input", input.toString(), "--execute-actions");
            assertThat(exit).isZero();
            TestMqttClient.Received first = fans.poll(10, TimeUnit.SECONDS);
            TestMqttClient.Received second = fans.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.topic()).isEqualTo("fans/s1");
            assertThat(first.payload()).isEqualTo("firing");
            assertThat(second).isNotNull();
            assertThat(second.payload()).isEqualTo("resolved");
        }
    }
}
