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

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who may do what, in front of every route. Which scope a request needs follows from its method and path alone
 * ({@link #needed}), so a resource cannot forget to ask. A request proves it holds the scope with a bearer token, or
 * with the dashboard's session cookie ({@link Sessions}), whose state-changing requests must also carry the session's
 * CSRF token in {@value #CSRF_HEADER}. 401 without a known token, 403 when it lacks the scope, each with a JSON body.
 * Tokens are compared by their SHA-256, against every configured token in constant time, and never logged.
 * <p>
 * Whether or not tokens are configured, a state-changing request that a browser sends from another site (its
 * {@code Origin} is not this server, nor a listed CORS origin) is refused: otherwise any web page open in a browser on
 * this machine could post to an open API on loopback.
 */
final class Authorizer extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);
    private static final String PREFIX = "Bearer ";
    static final String COOKIE = "sensorflow_session";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final AuthConfig config;
    private final Sessions sessions;
    private final List<String> allowedOrigins;

    Authorizer(AuthConfig config, Sessions sessions, List<String> allowedOrigins) {
        this.config = config;
        this.sessions = sessions;
        this.allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** What a request needs: empty for an open route (health, the dashboard's files, signing in), else the scope. */
    Optional<Scope> needed(HttpRequest request) {
        String route = RouteLabel.of(request.getUri().pathSegments());
        if (route.equals(RouteLabel.HEALTH) || route.equals(RouteLabel.DASHBOARD) || route.equals(SessionApi.PATH)) {
            return Optional.empty();
        }
        if (route.equals(AdminApi.PATH)) {
            return Optional.of(Scope.ADMIN);
        }
        boolean reads = safe(request);
        if (route.equals(RouteLabel.SOURCE)) {
            return Optional.of(reads ? Scope.READ : Scope.INGEST);
        }
        // The resources' own paths, /metrics, and paths nothing serves: a stranger learns nothing, not even what is
        // there.
        return Optional.of(reads ? Scope.READ : Scope.OPERATE);
    }

    private static boolean safe(HttpRequest request) {
        return request.method().equals(HttpMethods.GET) || request.method().equals(HttpMethods.HEAD)
                || request.method().equals(HttpMethods.OPTIONS);
    }

    /** {@code inner}, behind the tokens when there are any. */
    Route protect(Supplier<Route> inner) {
        return extractRequest(request -> {
            if (!safe(request) && crossSite(request)) {
                LOG.debug("HTTP {} {}: refused, sent from another site", request.method().value(),
                        request.getUri().path());
                return complete(Responses.error(StatusCodes.FORBIDDEN, "a state-changing request from another site "
                        + "(Origin " + request.getHeader("Origin").map(h -> h.value()).orElse("?") + ") is refused; "
                        + "list the origin in http.cors.allowed-origins to allow it"));
            }
            if (!config.required()) {
                return inner.get();
            }
            Optional<Scope> needed = needed(request);
            if (needed.isEmpty()) {
                return inner.get();
            }
            Optional<AuthConfig.Token> token;
            Optional<String> bearer = bearer(request);
            if (bearer.isPresent()) {
                token = bearer.flatMap(this::find);
            } else {
                Optional<Sessions.Session> session = sessionOf(request);
                if (session.isPresent() && !safe(request) && !session.get().csrfMatches(
                        request.getHeader(CSRF_HEADER).map(h -> h.value()).orElse(null))) {
                    return complete(Responses.error(StatusCodes.FORBIDDEN, "a request made with the session cookie "
                            + "must carry the session's CSRF token in " + CSRF_HEADER));
                }
                token = session.map(Sessions.Session::token);
            }
            if (token.isEmpty()) {
                return complete(Responses.error(StatusCodes.UNAUTHORIZED, "this route needs a bearer token: "
                        + "Authorization: Bearer <token> (http.auth.tokens), or a dashboard session")
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

    /** The secret of the request's {@code Authorization: Bearer} header, if it has one. */
    static Optional<String> bearer(HttpRequest request) {
        return request.getHeader("Authorization")
                .map(h -> h.value())
                .filter(v -> v.regionMatches(true, 0, PREFIX, 0, PREFIX.length()))
                .map(v -> v.substring(PREFIX.length()).strip());
    }

    /** The session the request's cookie names, if it is one that is signed in. */
    Optional<Sessions.Session> sessionOf(HttpRequest request) {
        return sessionCookie(request).flatMap(sessions::find);
    }

    /** The value of the session cookie the request carries, if any. */
    static Optional<String> sessionCookie(HttpRequest request) {
        Optional<org.apache.pekko.http.javadsl.model.headers.Cookie> header =
                request.getHeader(org.apache.pekko.http.javadsl.model.headers.Cookie.class);
        if (header.isPresent()) {
            for (var pair : header.get().getCookies()) {
                if (pair.name().equals(COOKIE)) {
                    return Optional.of(pair.value());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a browser sent this from a page of another site: its {@code Origin} names another host or port than
     * the request's own {@code Host}, and is not a listed CORS origin. Non-browser clients send no Origin.
     */
    boolean crossSite(HttpRequest request) {
        Optional<String> origin = request.getHeader("Origin").map(h -> h.value());
        if (origin.isEmpty()) {
            return request.getHeader("Sec-Fetch-Site").map(h -> h.value().equals("cross-site")).orElse(false);
        }
        if (allowedOrigins.contains(origin.get())) {
            return false;
        }
        String host = request.getHeader("Host").map(h -> h.value()).orElse("");
        try {
            URI uri = URI.create(origin.get());
            String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return uri.getHost() == null || !authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return true;
        }
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
