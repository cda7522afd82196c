package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The built-in dashboard: {@code /} is its page, {@code /ui/} its scripts and styles (from
 * {@code src/main/resources/dashboard}), the chart library (uPlot's WebJar) and Swagger UI's, which shows the API's
 * OpenAPI document at {@code /ui/api.html}. Files only: every figure on the page
 * comes from the API, under the caller's token or session, so the files themselves are open.
 */
final class Dashboard extends AllDirectives {

    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist";
    static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.35.0";

    Route routes() {
        // Revalidated on every load (Last-Modified): an upgraded jar never leaves an old script in a browser.
        return respondWithHeader(CacheControl.create(CacheDirectives.NO_CACHE), () -> get(() -> concat(
                pathSingleSlash(() -> getFromResource("dashboard/index.html")),
                pathPrefix("ui", () -> concat(
                        pathPrefix("vendor", () -> concat(
                                pathPrefix("uplot", () -> getFromResourceDirectory(UPLOT)),
                                pathPrefix("swagger-ui", () -> getFromResourceDirectory(SWAGGER_UI)))),
                        getFromResourceDirectory("dashboard"))))));
    }
}
