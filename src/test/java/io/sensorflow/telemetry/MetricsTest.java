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

    @Test
    void inAClusterEverySampleCarriesItsNodeAndTheMembershipIsCounted() {
        Metrics metrics = new Metrics().withJvm();
        metrics.received("plant").inc();
        metrics.cluster("10.0.0.1:25520", () -> Map.of("Up", 2, "Leaving", 1), () -> 1);
        String text = scrape(metrics);
        assertThat(text).contains("sensorflow_readings_received_total{node=\"10.0.0.1:25520\",source=\"plant\"} 1")
                .contains("sensorflow_cluster_members{node=\"10.0.0.1:25520\",status=\"Up\"} 2")
                .contains("sensorflow_cluster_unreachable_members{node=\"10.0.0.1:25520\"} 1")
                .contains("# TYPE sensorflow_cluster_members gauge");
        assertThat(text.lines().filter(line -> !line.startsWith("#") && !line.isEmpty()))
                .as("every sample, the JVM's too").isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("{node=\"10.0.0.1:25520\""));
    }

    @Test
    void theNodeLabelGoesFirstWhateverTheOtherLabelsHold() {
        String label = "node=\"n:1\"";
        assertThat(Metrics.withLabel("# HELP a b {c}\na_total 1\nb{x=\"has space } and {\"} 2\nc{} 3\n", label))
                .isEqualTo("# HELP a b {c}\na_total{node=\"n:1\"} 1\nb{node=\"n:1\",x=\"has space } and {\"} 2\n"
                        + "c{node=\"n:1\"} 3\n");
    }
}
