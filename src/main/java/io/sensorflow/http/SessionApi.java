package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/v1/session}: the dashboard signs in here with a token ({@code POST {"token": ...}}) and gets an HttpOnly,
 * SameSite=Strict cookie and the CSRF token its state-changing requests send back; {@code GET} says who is signed in
 * ({@code "auth": "token"}), that the API is open ({@code "open"}) or that a token is needed ({@code "required"});
 * {@code DELETE} signs out.
 */
final class SessionApi extends ApiResource {

    static final String PATH = "session";

    private final AuthConfig auth;
    private final Sessions sessions;
    private final Authorizer authorizer;
    private final boolean secure;

    SessionApi(AuthConfig auth, Sessions sessions, Authorizer authorizer, boolean secure) {
        super(PATH, null);
        this.auth = auth;
        this.sessions = sessions;
        this.authorizer = authorizer;
        this.secure = secure;
    }

    @Override
    Route routes() {
        return pathEnd(() -> concat(
                get(() -> extractRequest(this::who)),
                post(() -> entity(Unmarshaller.entityToString(), this::signIn)),
                delete(() -> extractRequest(this::signOut))));
    }

    private Route who(HttpRequest request) {
        if (!auth.required()) {
            return complete(Responses.json(StatusCodes.OK, open()));
        }
        Optional<Sessions.Session> session = authorizer.sessionOf(request);
        if (session.isPresent()) {
            return complete(Responses.json(StatusCodes.OK, describe(session.get().token(), session.get().csrf())));
        }
        Optional<AuthConfig.Token> bearer = Authorizer.bearer(request).flatMap(authorizer::find);
        // Not signed in is an answer to "who am I", not a failure: the dashboard asks it before it shows anything.
        return bearer.map(t -> complete(Responses.json(StatusCodes.OK, describe(t, null))))
                .orElseGet(() -> complete(Responses.json(StatusCodes.OK, Map.of("auth", "required"))));
    }

    private Route signIn(String body) {
        if (!auth.required()) {
            return complete(Responses.json(StatusCodes.OK, open()));
        }
        String presented;
        try {
            JsonNode node = body.isBlank() ? null : Responses.JSON.readTree(body);
            presented = node == null || !node.path("token").isTextual() ? null : node.get("token").asText();
        } catch (JsonProcessingException e) {
            presented = null;
        }
        if (presented == null) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, "expected {\"token\": \"...\"}"));
        }
        Optional<AuthConfig.Token> token = authorizer.find(presented.strip());
        if (token.isEmpty()) {
            return complete(Responses.error(StatusCodes.UNAUTHORIZED, "unknown token"));
        }
        Sessions.Created created = sessions.create(token.get());
        HttpResponse response = Responses.json(StatusCodes.OK, describe(token.get(), created.session().csrf()));
        return complete(response.addHeader(cookie(created.id(), sessions.idleTimeout().toSeconds())));
    }

    private Route signOut(HttpRequest request) {
        Authorizer.sessionCookie(request).ifPresent(sessions::end);
        return complete(Responses.json(StatusCodes.OK, Map.of("status", "signed-out")).addHeader(cookie("", 0)));
    }

    /** The session cookie: never readable by scripts, never sent by another site's request. */
    private RawHeader cookie(String value, long maxAge) {
        return RawHeader.create("Set-Cookie", Authorizer.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; "
                + "Max-Age=" + maxAge + (secure ? "; Secure" : ""));
    }

    private static Map<String, Object> open() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("auth", "open");
        body.put("scopes", Arrays.stream(Scope.values()).map(Scope::label).toList());
        return body;
    }

    private static Map<String, Object> describe(AuthConfig.Token token, String csrf) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("auth", "token");
        body.put("name", token.name());
        List<String> scopes = token.scopes().stream().flatMap(s -> s.implied().stream()).distinct().sorted()
                .map(Scope::label).toList();
        body.put("scopes", scopes);
        if (csrf != null) {
            body.put("csrf", csrf);
        }
        return body;
    }
}
