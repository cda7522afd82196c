package io.sensorflow.telemetry;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {

    private static String scrape(Metrics metrics) {
        return new String(metrics.scrape(), StandardCharsets.UTF_8);
    }

    @Test
    void storeJobFailuresAreACounterPerJobReadAtEachScrape() {
        Metrics metrics = new Metrics();
        Map<String, Long> failures = new LinkedHashMap<>(Map.of("rollup-flush", 0L));
        metrics.storeJobFailures(() -> Map.copyOf(failures));

        assertThat(scrape(metrics)).contains("# TYPE sensorflow_store_job_failures_total counter")
                .contains("sensorflow_store_job_failures_total{job=\"rollup-flush\"} 0");

        failures.put("rollup-flush", 3L);
        failures.put("sqlite-merge", 1L);
        assertThat(scrape(metrics)).contains("sensorflow_store_job_failures_total{job=\"rollup-flush\"} 3")
                .contains("sensorflow_store_job_failures_total{job=\"sqlite-merge\"} 1");
    }
}
