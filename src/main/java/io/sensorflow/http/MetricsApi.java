package io.sensorflow.http;

import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /metrics}: every counter in Prometheus' text format. */
final class MetricsApi extends AllDirectives {

    private final Metrics metrics;

    MetricsApi(Metrics metrics) {
        this.metrics = metrics;
    }

    Route routes() {
        return path("metrics", () -> get(() -> complete(HttpResponse.create()
                .withEntity(ContentTypes.parse(metrics.contentType()), metrics.scrape()))));
    }
}
