package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Bearer tokens in front of every route but {@code /health/*}: which scope a request needs follows from its method
 * and path alone ({@link #needed}), so a resource cannot forget to ask. 401 without a known token, 403 when the
 * token lacks the scope, each with a JSON body. Tokens are compared by their SHA-256, against every configured token
 * in constant time, and never logged.
 */
final class Authorizer extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);
    private static final String PREFIX = "Bearer ";

    private final AuthConfig config;

    Authorizer(AuthConfig config) {
        this.config = config;
    }

    /** What a request needs: empty for an open route (health), else the scope. */
    Optional<Scope> needed(HttpRequest request) {
        String route = RouteLabel.of(request.getUri().pathSegments());
        if (route.equals(RouteLabel.HEALTH)) {
            return Optional.empty();
        }
        if (route.equals(AdminApi.PATH)) {
            return Optional.of(Scope.ADMIN);
        }
        boolean reads = request.method().equals(HttpMethods.GET) || request.method().equals(HttpMethods.HEAD)
                || request.method().equals(HttpMethods.OPTIONS);
        if (route.equals(RouteLabel.SOURCE)) {
            return Optional.of(reads ? Scope.READ : Scope.INGEST);
        }
        // The resources' own paths, /metrics, and paths nothing serves: a stranger learns nothing, not even what is
        // there.
        return Optional.of(reads ? Scope.READ : Scope.OPERATE);
    }

    /** {@code inner}, behind the tokens when there are any. */
    Route protect(Supplier<Route> inner) {
        if (!config.required()) {
            return inner.get();
        }
        return extractRequest(request -> {
            Optional<Scope> needed = needed(request);
            if (needed.isEmpty()) {
                return inner.get();
            }
            Optional<AuthConfig.Token> token = request.getHeader("Authorization")
                    .map(h -> h.value())
                    .filter(v -> v.regionMatches(true, 0, PREFIX, 0, PREFIX.length()))
                    .map(v -> v.substring(PREFIX.length()).strip())
                    .flatMap(this::find);
            if (token.isEmpty()) {
                return complete(Responses.error(StatusCodes.UNAUTHORIZED, "this route needs a bearer token: "
                        + "Authorization: Bearer <token> (http.auth.tokens)")
                        .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "sensorflow"))));
            }
            if (!token.get().allows(needed.get())) {
                LOG.debug("HTTP {} {}: token {} lacks scope {}", request.method().value(),
                        request.getUri().path(), token.get().name(), needed.get().label());
                return complete(Responses.error(StatusCodes.FORBIDDEN, "token '" + token.get().name()
                        + "' lacks the scope " + needed.get().label() + " that this route needs"));
            }
            return inner.get();
        });
    }

    /** The configured token whose secret this is; every token is compared, so the time says nothing. */
    Optional<AuthConfig.Token> find(String presented) {
        byte[] digest = AuthConfig.digest(presented.getBytes(StandardCharsets.UTF_8));
        AuthConfig.Token found = null;
        for (AuthConfig.Token token : config.tokens()) {
            if (MessageDigest.isEqual(digest, token.digest()) && found == null) {
                found = token;
            }
        }
        return Optional.ofNullable(found);
    }
}
