package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.JarProcess;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults 10 and 11 of the reliability suite, against the jar as the README starts it (-Xmx160m): size, depth and
 * number bombs over HTTP push and MQTT. Each is refused with its reason (413 before the body is read whole, 400
 * with the reason, or a dead letter), never with a StackOverflowError or an OutOfMemoryError; good readings in the
 * same batch are stored; and the daemon goes on taking readings. What each bomb cost is printed.
 */
class BombsIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final long NOW = System.currentTimeMillis();

    @Test
    void sizeDepthAndNumberBombsAreRefusedWithTheirReasonAndNeighboursAreStored(TestConfig test) throws Exception {
        int port = MosquittoBroker.freePort();
        TestConfig config = test.named("bombs").with("http.port = " + port + "\nsources.push { type = http-push }");
        Path db = config.db();
        Process daemon = DAEMONS.jar(config.write(), "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        DaemonExtension.awaitReady(port);

        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String digits = "{\"sensor\": \"n\", \"metric\": \"m\", \"value\": 1" + "0".repeat(5_000) + "}";
        StringBuilder million = new StringBuilder(2_000_002).append('[');
        for (int i = 0; i < 1_000_000; i++) {
            million.append(i == 0 ? "1" : ",1");
        }
        million.append(']');
        byte[] tenMegabytes = ("{\"sensor\": \"big\", \"metric\": \"m\", \"value\": 1, \"pad\": \""
                + "x".repeat(10 << 20) + "\"}").getBytes(StandardCharsets.UTF_8);

        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("10 MB body", expect(port, "application/json", tenMegabytes, false, 413));
        answers.put("gzip bomb, 10 MB of one byte in 10 KB", expect(port, "application/json", tenMegabytes, true,
                413));
        answers.put("a million-element array (2 MB)", expect(port, "application/json",
                million.toString().getBytes(StandardCharsets.UTF_8), false, 413));
        answers.put("10,000-deep nesting", expect(port, "application/json", deep.getBytes(StandardCharsets.UTF_8),
                false, 400));
        answers.put("a 5,000-digit number", expect(port, "application/json",
                digits.getBytes(StandardCharsets.UTF_8), false, 400));
        // Line protocol: 1,000 good lines around a 5,000-digit value and a 100 KB tag; the good ones are kept.
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            lines.append("temperature,sensor=good-").append(i).append(" value=21 ").append(NOW).append('\n');
            if (i == 500) {
                lines.append("temperature,sensor=digits value=1").append("0".repeat(5_000)).append(' ').append(NOW)
                        .append('\n');
                lines.append("temperature,sensor=wide,x=").append("y".repeat(100_000)).append(" value=1 ")
                        .append(NOW).append('\n');
            }
        }
        String mixed = expect(port, "text/plain", lines.toString().getBytes(StandardCharsets.UTF_8), false, 400);
        answers.put("1,000 good lines and two bombs", mixed);
        assertThat(mixed).contains("\"accepted\":1000");
        assertThat(Sql.count(db, "SELECT count(*) FROM series WHERE sensor LIKE 'good-%'")).isEqualTo(1_000);

        try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker())) {
            Map<String, byte[]> bombs = new LinkedHashMap<>();
            bombs.put("payload-too-large", tenMegabytes);
            bombs.put("too-deep", ("{\"value\": " + deep + "}").getBytes(StandardCharsets.UTF_8));
            bombs.put("malformed-json", ("{\"value\": 1" + "0".repeat(5_000) + "}").getBytes(StandardCharsets.UTF_8));
            int i = 0;
            for (Map.Entry<String, byte[]> bomb : bombs.entrySet()) {
                mqtt.publishBytes("sensors/bomb-" + i + "/temperature", bomb.getValue());
                mqtt.publish("sensors/after-" + i + "/temperature", "{\"value\": 20, \"ts\": " + (NOW + i) + "}");
                int n = i;
                await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(db, "SELECT count(*) FROM series "
                        + "WHERE sensor = 'after-" + n + "'") == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM dead_letters "
                        + "WHERE topic = 'sensors/bomb-" + n + "/temperature' AND reason = '" + bomb.getKey() + "'")
                        == 1);
                i++;
            }
            // A source whose messages keep being rejected is named under /health/ready's degraded, which stays 200.
            for (int n = 0; n < 40; n++) {
                mqtt.publish("sensors/broken/temperature", "{\"temp\": 20}");
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Http.Response ready = Http.get(port, "/health/ready");
                assertThat(ready.status()).isEqualTo(200);
                assertThat(ready.body()).contains("\"source plant\"", "messages were rejected (mostly missing-value)");
            });
        }

        long live = System.nanoTime();
        assertThat(Http.get(port, "/health/live").status()).isEqualTo(200);
        long liveMillis = (System.nanoTime() - live) / 1_000_000;
        String heap = JarProcess.heapAfterFullGc(daemon.pid());
        answers.forEach((what, answer) -> System.out.println("BombsIT: " + what + " -> " + answer));
        System.out.printf("BombsIT: three MQTT bombs dead-lettered, each followed by a good reading; /health/live %d "
                + "ms after; %s%n", liveMillis, heap);
        assertThat(daemon.isAlive()).isTrue();
        String log = Files.readString(DAEMONS.log());
        assertThat(log).doesNotContain("StackOverflowError").doesNotContain("OutOfMemoryError");
        daemon.destroy();
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Posts {@code body} (gzipped if asked), asserts the status, and returns it with the time it took. */
    private static String expect(int port, String type, byte[] body, boolean gzip, int status) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/ingest?precision=ms")).header("Content-Type", type)
                .timeout(Duration.ofSeconds(30));
        byte[] sent = body;
        if (gzip) {
            ByteArrayOutputStream packed = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(packed)) {
                out.write(body);
            }
            sent = packed.toByteArray();
            request.header("Content-Encoding", "gzip");
        }
        long started = System.nanoTime();
        Http.Response answer = Http.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build());
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        String shown = answer.body().length() > 300 ? answer.body().substring(0, 300) + "..." : answer.body();
        return answer.status() + " in " + millis + " ms (" + sent.length + " bytes sent): " + shown;
    }
}
