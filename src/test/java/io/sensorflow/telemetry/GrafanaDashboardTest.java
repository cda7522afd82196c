package io.sensorflow.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.MetricWithFixedMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * config/grafana/sensorflow.json imports into Grafana and shows what the daemon exports: it is a dashboard with a
 * Prometheus data source input, every query is valid PromQL ({@code promtool check rules}), and every metric it names
 * is one the daemon has.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("config/grafana/sensorflow.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:sensorflow|jvm|process)_[a-z0-9_]+)\\b");

    @Test
    void everyPanelQueriesMetricsTheDaemonExportsInValidPromQl(@TempDir Path dir) throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.get("title").asText()).isEqualTo("sensorflow");
        assertThat(dashboard.get("uid").asText()).isNotBlank();
        assertThat(dashboard.at("/__inputs/0/pluginId").asText()).isEqualTo("prometheus");

        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText()));
        }
        assertThat(expressions).hasSizeGreaterThan(20);

        Set<String> known = exported();
        for (String expression : expressions) {
            Matcher names = METRIC.matcher(expression);
            while (names.find()) {
                assertThat(known).as("a metric of: " + expression).contains(names.group(1));
            }
        }

        // Valid PromQL: promtool parses each query as a recording rule.
        StringBuilder rules = new StringBuilder("groups:\n- name: grafana\n  rules:\n");
        for (int i = 0; i < expressions.size(); i++) {
            rules.append("  - record: sensorflow:panel_").append(i).append("\n    expr: '")
                    .append(expressions.get(i).replace("$__rate_interval", "5m").replace("'", "''")).append("'\n");
        }
        Path file = dir.resolve("rules.yml");
        Files.writeString(file, rules.toString(), StandardCharsets.UTF_8);
        Process promtool = new ProcessBuilder("/usr/bin/promtool", "check", "rules", file.toString())
                .redirectErrorStream(true).start();
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(promtool.exitValue()).as(output).isZero();
    }

    /** Every sample name the daemon's registry can export, whether or not it has a sample yet. */
    private static Set<String> exported() throws IllegalAccessException {
        Metrics metrics = new Metrics().withJvm();
        // The metrics registered with callbacks appear in every scrape once registered.
        metrics.queryPool(() -> 0, () -> 0);
        metrics.storeJobFailures(() -> Map.of("rollup-flush", 0L));
        metrics.streamClients(() -> 0);
        metrics.latestValues(values -> { });
        metrics.outbox(() -> 0, () -> 0);
        Set<String> names = new TreeSet<>();
        for (String line : new String(metrics.scrape(), StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]")[0]);
            }
        }
        // Labelled metrics show only once a child exists: their names come from the fields that hold them.
        for (Field field : Metrics.class.getDeclaredFields()) {
            if (!MetricWithFixedMetadata.class.isAssignableFrom(field.getType())) {
                continue;
            }
            field.setAccessible(true);
            MetricWithFixedMetadata metric = (MetricWithFixedMetadata) field.get(metrics);
            String name = metric.getPrometheusName();
            if (metric instanceof Counter) {
                names.add(name + "_total");
            } else if (metric instanceof Histogram) {
                names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
            } else {
                names.add(name);
            }
        }
        return names;
    }
}
