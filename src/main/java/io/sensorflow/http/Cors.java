package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.List;
import java.util.function.Supplier;

/**
 * Cross-origin requests, for the origins listed in {@code http.cors.allowed-origins} and no other: a preflight is
 * answered here, and every answer to a listed origin names it. Credentials (the session cookie) are never allowed
 * across origins; a page elsewhere uses a bearer token.
 */
final class Cors extends AllDirectives {

    private static final String METHODS = "GET, HEAD, POST, DELETE, OPTIONS";
    private static final String HEADERS = "Authorization, Content-Type, Last-Event-ID";

    private final List<String> origins;

    Cors(List<String> origins) {
        this.origins = List.copyOf(origins);
    }

    Route handle(Supplier<Route> inner) {
        if (origins.isEmpty()) {
            return inner.get();
        }
        return optionalHeaderValueByName("Origin", origin -> {
            if (origin.isEmpty() || !origins.contains(origin.get())) {
                return inner.get();
            }
            String allowed = origin.get();
            return concat(
                    options(() -> optionalHeaderValueByName("Access-Control-Request-Method", method ->
                            method.isPresent() ? complete(HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)
                                    .addHeaders(List.of(
                                            RawHeader.create("Access-Control-Allow-Origin", allowed),
                                            RawHeader.create("Access-Control-Allow-Methods", METHODS),
                                            RawHeader.create("Access-Control-Allow-Headers", HEADERS),
                                            RawHeader.create("Access-Control-Max-Age", "600"),
                                            RawHeader.create("Vary", "Origin")))) : reject())),
                    respondWithHeaders(List.of(RawHeader.create("Access-Control-Allow-Origin", allowed),
                            RawHeader.create("Vary", "Origin")), inner));
        });
    }
}
