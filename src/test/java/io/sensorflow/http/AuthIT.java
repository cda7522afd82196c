package io.sensorflow.http;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/** Every route of a daemon with tokens: without one, with one that lacks the scope, and with the right one. */
class AuthIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final Map<Scope, String> TOKENS = Map.of(
            Scope.READ, "reader-token-0123456789",
            Scope.OPERATE, "operator-token-0123456789",
            Scope.ADMIN, "admin-token-0123456789",
            Scope.INGEST, "device-token-0123456789");
    /** For each scope a route needs, a token that lacks it. */
    private static final Map<Scope, Scope> LACKING = Map.of(Scope.READ, Scope.INGEST, Scope.OPERATE, Scope.READ,
            Scope.ADMIN, Scope.OPERATE, Scope.INGEST, Scope.ADMIN);

    private record Call(String method, String path, String body, Scope needs) {
    }

    private static final String READING = "{\"sensor\": \"lab-1\", \"metric\": \"temperature\", \"value\": 21.5, "
            + "\"timestamp\": 1795331700000}";

    /** Every route the API serves. */
    private static final List<Call> ROUTES = List.of(
            new Call("GET", "/metrics", null, Scope.READ),
            new Call("GET", "/api/v1/sensors", null, Scope.READ),
            new Call("HEAD", "/metrics", null, Scope.READ),
            new Call("HEAD", "/api/v1/sensors", null, Scope.READ),
            new Call("GET", "/api/v1/sensors/lab-1/temperature/readings?from=0", null, Scope.READ),
            new Call("GET", "/api/v1/alerts", null, Scope.READ),
            new Call("GET", "/api/v1/alerts/history", null, Scope.READ),
            new Call("GET", "/api/v1/alerts/no-such-episode", null, Scope.READ),
            new Call("POST", "/api/v1/alerts/no-such-episode/ack", "{}", Scope.OPERATE),
            new Call("GET", "/api/v1/rules", null, Scope.READ),
            new Call("GET", "/api/v1/stream", null, Scope.READ),
            new Call("GET", "/api/v1/sources", null, Scope.READ),
            new Call("GET", "/api/v1/openapi.json", null, Scope.READ),
            new Call("GET", "/api/v1/dead-letters", null, Scope.READ),
            new Call("GET", "/api/v1/deliveries?state=failed", null, Scope.READ),
            new Call("POST", "/api/v1/deliveries/12345/retry", "", Scope.OPERATE),
            new Call("GET", "/api/v1/silences", null, Scope.READ),
            new Call("POST", "/api/v1/silences", "{\"rule\": \"too-hot\", \"duration\": \"1h\", \"comment\": \"t\"}",
                    Scope.OPERATE),
            new Call("GET", "/api/v1/silences/12345", null, Scope.READ),
            new Call("DELETE", "/api/v1/silences/12345", null, Scope.OPERATE),
            new Call("POST", "/api/v1/admin/reload", "", Scope.ADMIN),
            new Call("POST", "/api/v1/ingest", READING, Scope.INGEST));

    private static Http.Response call(int port, Call call, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + call.path()))
                .timeout(Duration.ofSeconds(10))
                .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(call.body()));
        if (call.body() != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return call.path().startsWith("/api/v1/stream") ? Http.sendWithoutBody(request.build())
                : Http.send(request.build());
    }

    private static String tokens() {
        StringBuilder hocon = new StringBuilder("http.auth.tokens {\n");
        TOKENS.forEach((scope, token) -> hocon.append("  ").append(scope.label()).append(" { token = \"")
                .append(token).append("\", scopes = [").append(scope.label()).append("] }\n"));
        return hocon.append("}\nsources { push { type = http-push } }\n").toString();
    }

    @Test
    void everyRouteButHealthNeedsATokenWithItsScope(TestConfig config) {
        Daemon daemon = DAEMONS.start(config.named("auth").with(tokens()));
        int port = daemon.httpPort();

        assertThat(Http.get(port, "/health/live").status()).isEqualTo(200);
        assertThat(Http.get(port, "/health/ready").status()).isEqualTo(200);
        assertSoftly(softly -> {
            for (Call route : ROUTES) {
                String name = route.method() + " " + route.path();
                Http.Response none = call(port, route, null);
                softly.assertThat(none.status()).as(name + " without a token").isEqualTo(401);
                softly.assertThat(none.header("WWW-Authenticate")).as(name).startsWith("Bearer");
                // An answer to HEAD has no body to explain itself in.
                boolean head = route.method().equals("HEAD");
                if (head) {
                    softly.assertThat(none.body()).as(name).isEmpty();
                } else {
                    softly.assertThat(none.body()).as(name).contains("\"error\":\"unauthorized\"");
                }

                Http.Response wrong = call(port, route, "not-a-token-of-ours-0123");
                softly.assertThat(wrong.status()).as(name + " with an unknown token").isEqualTo(401);

                Scope lacking = LACKING.get(route.needs());
                Http.Response forbidden = call(port, route, TOKENS.get(lacking));
                softly.assertThat(forbidden.status()).as(name + " with the " + lacking.label() + " token")
                        .isEqualTo(403);
                if (!head) {
                    softly.assertThat(forbidden.body()).as(name).contains("\"error\":\"forbidden\"")
                            .contains("lacks the scope " + route.needs().label())
                            .doesNotContain(TOKENS.get(lacking));
                }

                Http.Response allowed = call(port, route, TOKENS.get(route.needs()));
                softly.assertThat(allowed.status()).as(name + " with the " + route.needs().label() + " token")
                        .isNotIn(401, 403, -1).isLessThan(500);
            }
        });
        // Broader scopes include the lesser ones.
        assertThat(call(port, ROUTES.get(1), TOKENS.get(Scope.ADMIN)).status()).isEqualTo(200);
        assertThat(call(port, ROUTES.get(1), TOKENS.get(Scope.OPERATE)).status()).isEqualTo(200);
        // A read token may HEAD what it may GET, and is answered the same.
        assertThat(call(port, new Call("HEAD", "/api/v1/sensors", null, Scope.READ), TOKENS.get(Scope.READ)))
                .extracting(Http.Response::status, Http.Response::body).containsExactly(200, "");
    }

    @Test
    void withoutTokensOnLoopbackEverythingIsOpenAsBefore(TestConfig config) {
        Daemon daemon = DAEMONS.start(config.named("open").with("sources { push { type = http-push } }"));
        int port = daemon.httpPort();
        for (Call route : ROUTES) {
            assertThat(call(port, route, null).status()).as(route.method() + " " + route.path()).isNotIn(401, 403);
        }
        // Every answer is counted by route, method and status.
        List<String> counted = Http.get(port, "/metrics").body().lines()
                .filter(line -> line.startsWith("sensorflow_http_requests_total{")).toList();
        assertThat(counted).anySatisfy(line -> assertThat(line).contains("route=\"sensors\"", "method=\"GET\"",
                "status=\"200\""));
        assertThat(counted).anySatisfy(line -> assertThat(line).contains("route=\"source\"", "method=\"POST\"",
                "status=\"202\""));
        assertThat(counted).anySatisfy(line -> assertThat(line).contains("route=\"alerts\"", "status=\"404\""));
    }

    @Test
    void everyAnswerCarriesSecurityHeadersAndTheServerEnforcesItsLimits(TestConfig config) {
        Daemon daemon = DAEMONS.start(config.named("limits").with(tokens()
                + "http.limits { max-uri-length = 256, max-header-count = 8 }"));
        int port = daemon.httpPort();
        for (Http.Response response : List.of(Http.get(port, "/health/live"), Http.get(port, "/api/v1/sensors"),
                call(port, ROUTES.get(1), TOKENS.get(Scope.READ)))) {
            assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(response.header("Content-Security-Policy")).contains("default-src 'self'")
                    .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
            assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
        }
        assertThat(Http.get(port, "/health/live?" + "x".repeat(300)).status()).isEqualTo(414);
        HttpRequest.Builder many = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < 12; i++) {
            many.header("X-Extra-" + i, "v");
        }
        Http.Response tooMany = Http.send(many.build());
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body()).contains("limit");
        assertThat(Http.get(port, "/health/live").status()).as("the server goes on").isEqualTo(200);
    }
}
