package io.sensorflow.telemetry;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every counter sensorflow exposes on {@code /metrics}. Each component reports what it received, emitted, dropped
 * and failed, so an operator can see where readings go without reading logs.
 */
public final class Metrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    /** {@code node="host:port"} in a cluster, else null; see {@link #cluster}. */
    private volatile String nodeLabel;

    private final Counter received = counter("sensorflow_readings_received", "Messages received, per source", "source");
    private final Counter decodeErrors = counter("sensorflow_decode_errors",
            "Payloads that could not be decoded, per source and reason; each is kept as a dead letter", "source", "reason");
    private final Counter stored = counter("sensorflow_readings_stored", "New readings committed to the store");
    private final Counter duplicates = counter("sensorflow_readings_duplicate",
            "Readings the store already had (redelivered messages), not stored again");
    private final Counter deadLettersStored = counter("sensorflow_dead_letters_stored", "Dead letters committed to the store");
    private final Counter storeErrors = counter("sensorflow_store_errors", "Failed store writes (each is retried)");
    private final Counter ruleSlotsRefused = counter("sensorflow_rule_slots_refused", "New keys that got no rule "
            + "state because pipeline.max-rule-slots were kept and none was inactive; their readings were stored, not "
            + "evaluated", "rule");
    private final Counter ruleErrors = counter("sensorflow_rule_errors", "Conditions that failed at run time, per rule", "rule");
    private final Counter lateReadings = counter("sensorflow_late_readings",
            "Readings older than one already evaluated, ignored by a rule", "rule");
    private final Counter unitMismatches = counter("sensorflow_unit_mismatches",
            "Readings a rule did not evaluate because their unit does not convert to the rule's, per rule", "rule");
    private final Counter ruleEvaluations = counter("sensorflow_rule_evaluations",
            "Conditions judged, per rule: one per reading (or derived value) a rule saw in order", "rule");
    private final Counter alerts = counter("sensorflow_alerts", "Alert transitions, per rule and state", "rule", "state");
    private final Counter sessionsLost = counter("sensorflow_mqtt_sessions_lost", "Reconnects on which the broker "
            + "had kept no session: what it held for the daemon while it was away (QoS 1 and 2 messages) is gone",
            "source");
    private final Counter sequence = counter("sensorflow_sequence", "What the per-sensor sequence numbers of a "
            + "source showed (pipeline.sequence-tag): gap (a jump forward: numbers the sender used never arrived), "
            + "repeat (a number below the sensor's latest: redelivered or out of order), restart (back to 0 or 1), "
            + "unreadable (not a whole number)",
            "source", "kind");
    private final Counter sequenceMissing = counter("sensorflow_sequence_missing", "Sequence numbers skipped by the "
            + "gaps of a source: readings the sender numbered that never arrived (lost upstream, e.g. by the broker)",
            "source");
    private volatile Supplier<Map<String, java.util.List<SensorGaps>>> sequenceSensors = Map::of;
    private final Counter sourceRequests = counter("sensorflow_source_requests",
            "HTTP requests of http-push and http-poll sources, per source and outcome", "source", "outcome");
    private final Counter actions = counter("sensorflow_actions", "Action executions, per action and outcome", "action", "outcome");
    private final Counter httpRequests = counter("sensorflow_http_requests",
            "HTTP requests answered, per route (the resource, health, metrics, source or other), method and status",
            "route", "method", "status");
    private final Counter httpSlowConnections = counter("sensorflow_http_slow_connections_closed",
            "Connections closed because they had not sent a whole first request within "
                    + "http.limits.request-header-timeout (slow-loris clients, stuck TLS handshakes)");
    private final Counter queriesRejected = counter("sensorflow_http_queries_rejected",
            "API queries answered 503 because every query thread was busy and max-waiting queries already waited");
    private final Counter streamSkipped = counter("sensorflow_stream_skipped",
            "Readings a live stream client did not get: replaced by a newer one of the same series before it was sent "
                    + "(conflated), or past the client's max-series (series-cap)", "reason");
    private final Counter streamDisconnects = counter("sensorflow_stream_disconnects",
            "Live stream clients the server disconnected: more transitions waiting than max-alerts (behind), or "
                    + "nothing taken for stall-timeout (stalled)", "reason");
    private final Counter streamEvents = counter("sensorflow_stream_events",
            "Server-sent events sent to live stream clients, per event type", "type");

    private final io.prometheus.metrics.core.metrics.Gauge feedUp = io.prometheus.metrics.core.metrics.Gauge.builder()
            .name("sensorflow_feed_up")
            .help("1 when the last poll of an http-poll feed succeeded (after its retries), 0 when it failed")
            .labelNames("source", "url")
            .register(registry);

    private final io.prometheus.metrics.core.metrics.Histogram commitSeconds =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_store_commit_seconds")
                    .help("Duration of one store commit (readings, dead letters, rule states, alert transitions)")
                    .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5)
                    .register(registry);
    private final io.prometheus.metrics.core.metrics.Histogram commitRows =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_store_commit_rows")
                    .help("Rows written by one store commit")
                    .classicUpperBounds(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
                    .register(registry);

    private final io.prometheus.metrics.core.metrics.Histogram querySeconds =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_api_query_seconds")
                    .help("From an API query's arrival at the query threads to its answer, rendered: the wait for a "
                            + "thread and the query itself")
                    .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                    .register(registry);
    private final io.prometheus.metrics.core.metrics.Histogram pipelineLag =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_pipeline_lag_seconds")
                    .help("From a message's receipt by its source to the commit of what it carried: decode, rules, "
                            + "batching and the commit, including any wait for the store")
                    .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                    .register(registry);

    private final io.prometheus.metrics.core.metrics.Histogram actionAttemptSeconds =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_action_attempt_seconds")
                    .help("Duration of one attempt of an action, from its start to its target's answer or failure")
                    .labelNames("action")
                    .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                    .register(registry);
    private final io.prometheus.metrics.core.metrics.Histogram actionDeliverySeconds =
            io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("sensorflow_action_delivery_seconds")
                    .help("From the alert transition (processing time) to its delivery done: the commit, the wait "
                            + "in the outbox, retries and the successful attempt")
                    .labelNames("action")
                    .classicUpperBounds(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)
                    .register(registry);

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    /** A gauge without labels whose value is read at each scrape. */
    private void gauge(String name, String help, Supplier<? extends Number> value) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.get().doubleValue())).register(registry);
    }

    /**
     * Adds the JVM's own metrics (memory, GC, threads, class loading, process CPU and memory) under client_java's
     * standard names; the daemon's registry has them, tools that only replay or test rules do not. Once per registry.
     */
    public Metrics withJvm() {
        JvmMetrics.builder().register(registry);
        return this;
    }

    /** Records one commit: how long it took and how many rows it wrote. */
    public void commit(long nanos, int rows) {
        commitSeconds.observe(nanos / 1e9);
        commitRows.observe(rows);
    }

    public CounterDataPoint received(String source) {
        return received.labelValues(source);
    }

    public CounterDataPoint decodeErrors(String source, String reason) {
        return decodeErrors.labelValues(source, reason);
    }

    public Counter stored() {
        return stored;
    }

    public Counter duplicates() {
        return duplicates;
    }

    public Counter deadLettersStored() {
        return deadLettersStored;
    }

    public Counter storeErrors() {
        return storeErrors;
    }

    public CounterDataPoint ruleErrors(String rule) {
        return ruleErrors.labelValues(rule);
    }

    public CounterDataPoint sessionsLost(String source) {
        return sessionsLost.labelValues(source);
    }

    public CounterDataPoint ruleSlotsRefused(String rule) {
        return ruleSlotsRefused.labelValues(rule);
    }

    /**
     * {@code sensorflow_series} and {@code sensorflow_rule_slots}: what outside input grows, beside their limits
     * ({@code pipeline.limits.max-series}, {@code pipeline.max-rule-slots}). Registered once per registry.
     */
    public void cardinality(Supplier<Integer> series, Supplier<Integer> slots) {
        gauge("sensorflow_series", "Series (sensor and metric) the daemon knows; new ones past "
                + "pipeline.limits.max-series are dead-lettered as too-many-series", series);
        gauge("sensorflow_rule_slots", "Per-key rule states kept; at most pipeline.max-rule-slots", slots);
    }

    public CounterDataPoint unitMismatches(String rule) {
        return unitMismatches.labelValues(rule);
    }

    /** One API query's time on the query threads, waiting and running, in nanoseconds. */
    public void apiQuery(long nanos) {
        querySeconds.observe(nanos / 1e9);
    }

    /** One message's lag from receipt to commit, in milliseconds. */
    public void pipelineLag(long millis) {
        pipelineLag.observe(Math.max(0, millis) / 1000.0);
    }

    public CounterDataPoint ruleEvaluations(String rule) {
        return ruleEvaluations.labelValues(rule);
    }

    public CounterDataPoint lateReadings(String rule) {
        return lateReadings.labelValues(rule);
    }

    public CounterDataPoint alerts(String rule, String state) {
        return alerts.labelValues(rule, state);
    }

    /** An HTTP exchange of a source: a status class such as {@code 202}, {@code 503}, or {@code timeout}. */
    public CounterDataPoint sourceRequests(String source, String outcome) {
        return sourceRequests.labelValues(source, outcome);
    }

    /** Whether one polled URL answered its last poll. */
    public void feedUp(String source, String url, boolean up) {
        feedUp.labelValues(source, url).set(up ? 1 : 0);
    }

    /** The feed is polled by another node of the cluster now: its state is that node's to report. */
    public void feedElsewhere(String source, String url) {
        feedUp.remove(source, url);
    }

    public CounterDataPoint actions(String action, String outcome) {
        return actions.labelValues(action, outcome);
    }

    /** {@code sensorflow_action_attempt_seconds{action}}. */
    public io.prometheus.metrics.core.datapoints.DistributionDataPoint actionAttempt(String action) {
        return actionAttemptSeconds.labelValues(action);
    }

    /** {@code sensorflow_action_delivery_seconds{action}}. */
    public io.prometheus.metrics.core.datapoints.DistributionDataPoint actionDelivery(String action) {
        return actionDeliverySeconds.labelValues(action);
    }

    public CounterDataPoint httpRequests(String route, String method, int status) {
        return httpRequests.labelValues(route, method, Integer.toString(status));
    }

    public Counter httpSlowConnections() {
        return httpSlowConnections;
    }

    public Counter queriesRejected() {
        return queriesRejected;
    }

    /**
     * Registers {@code sensorflow_http_queries_running} and {@code sensorflow_http_queries_waiting}, read from the
     * query pool at each scrape. Once per registry.
     */
    public void queryPool(Supplier<Integer> running, Supplier<Integer> waiting) {
        gauge("sensorflow_http_queries_running", "API queries running on the query threads now", running);
        gauge("sensorflow_http_queries_waiting", "API queries waiting for a query thread now", waiting);
    }

    /**
     * The action outbox: deliveries pending (due or waiting for a retry; counted at most once a second) and attempts
     * running. Registered once per registry.
     */
    public void outbox(Supplier<Integer> pending, Supplier<Integer> running) {
        gauge("sensorflow_outbox_pending", "Action deliveries pending in the outbox, counted at most once a second "
                + "(due, or waiting for a retry)", pending);
        gauge("sensorflow_outbox_running", "Action deliveries being attempted now", running);
    }

    /** {@code sensorflow_action_breaker_open{action}}: 1 while an action's circuit breaker is open or half-open. */
    public void actionBreakers(Supplier<Map<String, Double>> open) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("sensorflow_action_breaker_open")
                .help("1 while the action's circuit breaker is open or half-open (its target counts as down), else 0")
                .labelNames("action")
                .callback(callback -> open.get().forEach((action, value) -> callback.call(value, action)))
                .register(registry);
    }

    public CounterDataPoint streamSkipped(String reason) {
        return streamSkipped.labelValues(reason);
    }

    public CounterDataPoint streamDisconnects(String reason) {
        return streamDisconnects.labelValues(reason);
    }

    public CounterDataPoint streamEvents(String type) {
        return streamEvents.labelValues(type);
    }

    /**
     * What the counters say of one source so far: messages received, decode errors by reason, and HTTP requests by
     * outcome (http-push and http-poll), for the dashboard's sources page.
     */
    public Map<String, Object> sourceCounts(String source) {
        Map<String, Object> counts = new java.util.LinkedHashMap<>();
        counts.put("received", (long) received.labelValues(source).get());
        counts.put("rejected", byLabel(decodeErrors, source, "reason"));
        counts.put("requests", byLabel(sourceRequests, source, "outcome"));
        Map<String, Long> seq = byLabel(sequence, source, "kind");
        if (!seq.isEmpty()) {
            Map<String, Object> sequenceCounts = new java.util.LinkedHashMap<>(seq);
            sequenceCounts.put("missing", (long) sequenceMissing.labelValues(source).get());
            sequenceCounts.put("sensors", sequenceSensors.get().getOrDefault(source, java.util.List.of()));
            counts.put("sequence", sequenceCounts);
        }
        return counts;
    }

    private static Map<String, Long> byLabel(Counter counter, String source, String label) {
        Map<String, Long> result = new java.util.TreeMap<>();
        for (var point : counter.collect().getDataPoints()) {
            if (source.equals(point.getLabels().get("source"))) {
                result.merge(point.getLabels().get(label), (long) point.getValue(), Long::sum);
            }
        }
        return result;
    }

    /** Receives one exported series' value with its sensor and metric. */
    public interface SeriesValues {
        void accept(double value, String sensor, String metric);
    }

    /**
     * Registers {@code sensorflow_reading_value{sensor, metric}}, read from {@code values} at each scrape, and returns
     * {@code sensorflow_reading_value_dropped_total}, the readings of series past the cap. Once per registry.
     */
    public CounterDataPoint latestValues(java.util.function.Consumer<SeriesValues> values) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("sensorflow_reading_value")
                .help("The newest committed value of each exported series (http.metrics.latest-values)")
                .labelNames("sensor", "metric")
                .callback(callback -> values.accept((value, sensor, metric) -> callback.call(value, sensor, metric)))
                .register(registry);
        return Counter.builder().name("sensorflow_reading_value_dropped")
                .help("Readings of series not exported as sensorflow_reading_value because max-series were already")
                .register(registry).labelValues();
    }

    public CounterDataPoint sequence(String source, String kind) {
        return sequence.labelValues(source, kind);
    }

    public CounterDataPoint sequenceMissing(String source) {
        return sequenceMissing.labelValues(source);
    }

    /** One sensor's sequence gaps so far. */
    public record SensorGaps(String sensor, long gaps, long missing, long lastGapAt) {
    }

    /**
     * Registers {@code sensorflow_sequence_sensor_missing_total{source, sensor}}, read from {@code sensors} (source
     * to the sensors that had gaps, a bounded list) at each scrape, and shows the same in {@link #sourceCounts}. Once
     * per registry.
     */
    public void sequenceSensors(Supplier<Map<String, java.util.List<SensorGaps>>> sensors) {
        this.sequenceSensors = sensors;
        CounterWithCallback.builder()
                .name("sensorflow_sequence_sensor_missing")
                .help("Sequence numbers skipped per sensor, for the first sensors of each source that had gaps "
                        + "(the source's total is sensorflow_sequence_missing_total)")
                .labelNames("source", "sensor")
                .callback(callback -> sensors.get().forEach((source, list) -> list.forEach(
                        gaps -> callback.call(gaps.missing(), source, gaps.sensor()))))
                .register(registry);
    }

    /** Registers {@code sensorflow_stream_clients}, read at each scrape. Once per registry. */
    public void streamClients(Supplier<Integer> clients) {
        gauge("sensorflow_stream_clients", "Live stream clients connected now", clients);
    }

    /**
     * Registers {@code sensorflow_store_job_failures_total{job}}, read from {@code failures} (job name to failures so
     * far) at each scrape: the store counts them itself, and its jobs run whether or not anyone scrapes. Once per
     * registry.
     */
    public void storeJobFailures(Supplier<Map<String, Long>> failures) {
        CounterWithCallback.builder()
                .name("sensorflow_store_job_failures")
                .help("Failed runs of the store's background jobs (rollup flush, retention, merge, WAL checkpoint, "
                        + "server probe), per job; each is retried at its next round")
                .labelNames("job")
                .callback(callback -> failures.get().forEach((job, count) -> callback.call(count, job)))
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** The text exposition of every metric; in a cluster, each sample with this node's {@code node} label. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String label = nodeLabel;
        return label == null ? out.toByteArray() : withLabel(out.toString(StandardCharsets.UTF_8), label)
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Labels every sample {@code node="<node>"} from now on, so that the nodes of a cluster scraped into one
     * Prometheus (or summed behind one job) stay apart, whatever label the scrape config gives them. Also registers
     * {@code sensorflow_cluster_members{status}} and {@code sensorflow_cluster_unreachable_members}. Once per registry.
     */
    public void cluster(String node, Supplier<Map<String, Integer>> membersByStatus, Supplier<Integer> unreachable) {
        nodeLabel = "node=\"" + node.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("sensorflow_cluster_members")
                .help("Members of the cluster as this node sees them, by status (Joining, Up, Leaving, Exiting, Down)")
                .labelNames("status")
                .callback(callback -> membersByStatus.get().forEach((status, count) -> callback.call(count, status)))
                .register(registry);
        gauge("sensorflow_cluster_unreachable_members", "Members this node's failure detector marks unreachable; the "
                + "Split Brain Resolver decides on them after cluster.stable-after", unreachable);
    }

    /**
     * The exposition with {@code label} first in every sample: after the metric name's opening brace, or as the only
     * label. Label values may hold spaces and braces, but a metric name ends at the first of either.
     */
    static String withLabel(String text, String label) {
        StringBuilder result = new StringBuilder(text.length() + text.length() / 4);
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end + 1;
            if (text.charAt(start) == '#' || text.charAt(start) == '\n') {
                result.append(text, start, end);
            } else {
                int name = start;
                while (name < end && text.charAt(name) != '{' && text.charAt(name) != ' ') {
                    name++;
                }
                result.append(text, start, name);
                if (name < end && text.charAt(name) == '{') {
                    boolean empty = name + 1 < end && text.charAt(name + 1) == '}';
                    result.append('{').append(label).append(empty ? "" : ",");
                    result.append(text, name + 1, end);
                } else {
                    result.append('{').append(label).append('}').append(text, name, end);
                }
            }
            start = end;
        }
        return result.toString();
    }
}
