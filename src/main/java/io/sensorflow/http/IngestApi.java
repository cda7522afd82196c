package io.sensorflow.http;

import io.sensorflow.source.HttpIngest;
import io.sensorflow.source.SensorSource;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatcher0;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.List;

/** {@code POST /api/v1/<path>} of each source that takes readings over HTTP (http-push): their own routes. */
final class IngestApi extends AllDirectives {

    private final List<HttpIngest> endpoints;

    IngestApi(List<SensorSource> sources) {
        this.endpoints = sources.stream().flatMap(source -> source.capability(HttpIngest.class).stream()).toList();
    }

    /** The routes below {@code /api/v1/}. */
    Route routes() {
        return concat(reject(), endpoints.stream().map(e -> path(matcher(e.path()), e::route)).toArray(Route[]::new));
    }

    /** A path of one or more segments, e.g. {@code ingest/lab}. */
    private static PathMatcher0 matcher(String path) {
        String[] segments = path.split("/");
        PathMatcher0 matcher = PathMatchers.segment(segments[0]);
        for (int i = 1; i < segments.length; i++) {
            matcher = matcher.slash(segments[i]);
        }
        return matcher;
    }
}
