package io.sensorflow.http;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Promtool;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /metrics of a daemon at work: per-rule evaluations, pipeline lag, and the capped per-series gauges, linted. */
class MetricsIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    @Test
    void perSeriesGaugesAreCappedAndTheExpositionLints(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("metrics").with("""
                sources { push { type = http-push } }
                http.metrics { latest-values = 2, latest-values-sensors = "lab-*" }
                """));
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();
        assertThat(Http.post(port, "/api/v1/ingest", "["
                + "{\"sensor\": \"lab-1\", \"metric\": \"temperature\", \"value\": 21.5, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"lab-2\", \"metric\": \"temperature\", \"value\": 35, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"lab-3\", \"metric\": \"temperature\", \"value\": 22, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"yard\", \"metric\": \"temperature\", \"value\": 9, \"timestamp\": " + now + "}]")
                .status()).isEqualTo(202);

        String metrics = await().atMost(Duration.ofSeconds(5)).until(() -> Http.get(port, "/metrics").body(),
                body -> body.contains("sensorflow_reading_value_dropped_total 1.0"));
        assertThat(metrics).contains("sensorflow_reading_value{metric=\"temperature\",sensor=\"lab-1\"} 21.5",
                "sensorflow_reading_value{metric=\"temperature\",sensor=\"lab-2\"} 35.0",
                "sensorflow_rule_evaluations_total{rule=\"too-hot\"} 4.0",
                "sensorflow_alerts_total{rule=\"too-hot\",state=\"firing\"} 1.0",
                "sensorflow_pipeline_lag_seconds_count 1");
        assertThat(metrics).as("past the cap, and outside the glob").doesNotContain("sensor=\"lab-3\"")
                .doesNotContain("sensor=\"yard\"");
        assertThat(Promtool.check(metrics)).isEmpty();
    }
}
