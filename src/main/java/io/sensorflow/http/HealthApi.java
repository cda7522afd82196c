package io.sensorflow.http;

import io.sensorflow.cluster.ClusterNode;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * {@code /health/live} (the process runs) and {@code /health/ready}: 200 when the store and every source can do
 * their work, and in a cluster this node is an Up member on the majority side, else 503 naming what cannot. What
 * works but not fully (an action whose target is down) is listed under {@code degraded} without failing readiness: a
 * load balancer must not send ingest away because a chat hook is down.
 */
final class HealthApi extends AllDirectives {

    private final ReadingStore store;
    private final List<SensorSource> sources;
    private final java.util.function.Supplier<List<Readiness>> degraded;
    private final java.util.Optional<ClusterNode> cluster;

    HealthApi(ReadingStore store, List<SensorSource> sources, java.util.function.Supplier<List<Readiness>> degraded,
              java.util.Optional<ClusterNode> cluster) {
        this.cluster = cluster;
        this.store = store;
        this.sources = List.copyOf(sources);
        this.degraded = degraded;
    }

    Route routes() {
        return concat(
                path(segment("health").slash("live"), () -> get(() ->
                        complete(Responses.json(StatusCodes.OK, Map.of("status", "live"))))),
                path(segment("health").slash("ready"), () -> get(this::ready)));
    }

    private Route ready() {
        List<Readiness> checks = new ArrayList<>();
        // The store's writes, and each background job of it that keeps failing.
        checks.addAll(store.readiness());
        for (SensorSource source : sources) {
            checks.add(source.readiness());
        }
        // In a cluster: Up, and on the majority side. A node still joining owns no sensors yet.
        cluster.ifPresent(node -> checks.add(node.readiness()));
        boolean ready = checks.stream().allMatch(Readiness::ready);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not-ready");
        body.put("checks", checks);
        body.put("degraded", degraded.get());
        return complete(Responses.json(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
    }
}
