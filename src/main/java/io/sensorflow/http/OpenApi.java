package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/v1/openapi.json}: the OpenAPI 3.1 description of every route, kept true by {@code OpenApiIT}, which
 * calls each operation and validates each answer against it. {@code /ui/api.html} shows it with Swagger UI.
 */
final class OpenApi extends ApiResource {

    static final String PATH = "openapi.json";

    OpenApi() {
        super(PATH, null);
    }

    @Override
    Route routes() {
        return pathEnd(() -> get(() -> getFromResource("api/openapi.json", ContentTypes.APPLICATION_JSON)));
    }
}
