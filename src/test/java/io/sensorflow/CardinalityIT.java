package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.JarProcess;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 9 of the reliability suite: a flood of new sensor names, 200,000 within a minute, against the jar as the
 * README starts it (-Xmx160m, exit on OutOfMemoryError) with the default limits and two rules that keep state per
 * sensor. Before the limits, 130,000 to 370,000 names ended in OutOfMemoryError; now the series past
 * {@code max-series} are refused with a reason, the daemon stays up and answers, and its heap after a full GC is
 * printed. Lowered limits keep the run short; the figure at the default limits is in docs/reliability.md.
 */
class CardinalityIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final int NAMES = 200_000;
    private static final int PER_REQUEST = 2_000;
    private static final int MAX_SERIES = 100_000;

    @Test
    void aFloodOfNewSensorNamesIsCappedAndTheDaemonStaysUpAndAnswers() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = DAEMONS.config("cardinality").with("""
                http.port = %d
                pipeline.limits.max-series = %d
                sources.push { type = http-push }
                rules.mean {
                  type = window
                  match { metric = temperature }
                  window = 10m
                  every = 1m
                  aggregate = avg
                  when = "value > 100.0"
                }
                """.formatted(port, MAX_SERIES)).write();
        Process daemon = DAEMONS.jar(config, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        DaemonExtension.awaitReady(port);

        long now = System.currentTimeMillis();
        int accepted = 0;
        int refused = 0;
        long slowestLive = 0;
        long started = System.nanoTime();
        for (int from = 0; from < NAMES; from += PER_REQUEST) {
            StringBuilder lines = new StringBuilder(PER_REQUEST * 48);
            for (int i = from; i < from + PER_REQUEST; i++) {
                lines.append("temperature,sensor=flood-").append(i).append(" value=20 ").append(now).append('\n');
            }
            Http.Response answer = Http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/api/v1/ingest?precision=ms"))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(lines.toString(), StandardCharsets.UTF_8)).build());
            assertThat(answer.status()).as("answer to request %d: %s", from / PER_REQUEST, answer.body())
                    .isIn(202, 400);
            accepted += count(answer.body(), "\"accepted\":");
            if (answer.status() == 400) {
                assertThat(answer.body()).contains("too-many-series");
            }
            long live = System.nanoTime();
            assertThat(Http.get(port, "/health/live").status()).isEqualTo(200);
            slowestLive = Math.max(slowestLive, System.nanoTime() - live);
        }
        refused = NAMES - accepted;
        long seconds = (System.nanoTime() - started) / 1_000_000_000;

        assertThat(daemon.isAlive()).as("the daemon survived the flood").isTrue();
        assertThat(accepted).isEqualTo(MAX_SERIES);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Sql.count(DAEMONS.dir().resolve("cardinality.db"), "SELECT count(*) FROM series") == MAX_SERIES);
        String metrics = Http.get(port, "/metrics").body();
        assertThat(metrics).contains("sensorflow_series " + MAX_SERIES + ".0");
        assertThat(metrics).contains("sensorflow_decode_errors_total{reason=\"too-many-series\",source=\"push\"} "
                + refused + ".0");
        long live = System.nanoTime();
        assertThat(Http.get(port, "/api/v1/sensors?limit=10").status()).isEqualTo(200);
        long sensorsMillis = (System.nanoTime() - live) / 1_000_000;

        String heap = JarProcess.heapAfterFullGc(daemon.pid());
        System.out.printf("cardinality: %d names in %d s, %d accepted, %d refused as too-many-series; slowest "
                        + "/health/live %d ms, /api/v1/sensors %d ms; %s%n", NAMES, seconds, accepted, refused,
                slowestLive / 1_000_000, sensorsMillis, heap);
        assertThat(Files.readString(DAEMONS.log())).doesNotContain("OutOfMemoryError");
        daemon.destroy();
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    private static int count(String body, String key) {
        int at = body.indexOf(key);
        if (at < 0) {
            return 0;
        }
        int end = at + key.length();
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        return Integer.parseInt(body.substring(at + key.length(), end));
    }
}
