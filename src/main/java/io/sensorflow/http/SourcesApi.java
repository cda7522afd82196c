package io.sensorflow.http;

import io.sensorflow.source.SensorSource;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/sources}: each source with its connection state and its counters so far (received, rejected by
 * reason, HTTP requests by outcome), stamped with the time they were read, so that a client computes rates from two
 * reads.
 */
final class SourcesApi extends ApiResource {

    static final String PATH = "sources";

    private final List<SensorSource> sources;
    private final Metrics metrics;

    SourcesApi(List<SensorSource> sources, Metrics metrics) {
        super(PATH, null);
        this.sources = List.copyOf(sources);
        this.metrics = metrics;
    }

    @Override
    Route routes() {
        return pathEnd(() -> get(this::list));
    }

    private Route list() {
        long now = System.currentTimeMillis();
        List<Map<String, Object>> body = new ArrayList<>();
        for (SensorSource source : sources) {
            Readiness readiness = source.readiness();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", source.name());
            s.put("ready", readiness.ready());
            s.put("detail", readiness.detail());
            s.put("at", now);
            s.putAll(metrics.sourceCounts(source.name()));
            body.add(s);
        }
        return complete(Responses.json(StatusCodes.OK, body));
    }
}
