package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AuthorizerTest {

    private static final AuthConfig.Token READER = token("reader", "r-0123456789abcdef", Scope.READ);
    private static final AuthConfig.Token OPERATOR = token("operator", "o-0123456789abcdef", Scope.OPERATE);
    private static final AuthConfig.Token ADMIN = token("admin", "a-0123456789abcdef", Scope.ADMIN);
    private static final AuthConfig.Token DEVICE = token("device", "d-0123456789abcdef", Scope.INGEST);

    private final Authorizer authorizer = new Authorizer(new AuthConfig(false, List.of(READER, OPERATOR, ADMIN,
            DEVICE)), new Sessions(2, java.time.Duration.ofHours(1), java.time.Clock.systemUTC()),
            List.of("https://grafana.example.com"));

    private static AuthConfig.Token token(String name, String secret, Scope scope) {
        return new AuthConfig.Token(name, AuthConfig.digest(secret.getBytes(StandardCharsets.UTF_8)), Set.of(scope));
    }

    private Optional<Scope> needed(HttpMethod method, String path) {
        return authorizer.needed(HttpRequest.create(path).withMethod(method));
    }

    @Test
    void theScopeFollowsFromMethodAndPath() {
        Object[][] cases = {
                {HttpMethods.GET, "/health/ready", null}, {HttpMethods.GET, "/health/live", null},
                {HttpMethods.GET, "/metrics", Scope.READ}, {HttpMethods.GET, "/api/v1/sensors", Scope.READ},
                {HttpMethods.HEAD, "/metrics", Scope.READ}, {HttpMethods.HEAD, "/api/v1/sensors", Scope.READ},
                {HttpMethods.HEAD, "/api/v1/admin/reload", Scope.ADMIN}, {HttpMethods.HEAD, "/", null},
                {HttpMethods.GET, "/api/v1/sensors/a/t/readings?step=1m", Scope.READ},
                {HttpMethods.GET, "/api/v1/alerts/history", Scope.READ},
                {HttpMethods.POST, "/api/v1/alerts/x/ack", Scope.OPERATE},
                {HttpMethods.POST, "/api/v1/silences", Scope.OPERATE},
                {HttpMethods.DELETE, "/api/v1/silences/7", Scope.OPERATE},
                {HttpMethods.POST, "/api/v1/admin/reload", Scope.ADMIN},
                {HttpMethods.GET, "/api/v1/admin/reload", Scope.ADMIN},
                {HttpMethods.POST, "/api/v1/ingest", Scope.INGEST},
                {HttpMethods.POST, "/api/v1/ingest/lab", Scope.INGEST},
                {HttpMethods.POST, "/nowhere", Scope.OPERATE}, {HttpMethods.GET, "/nowhere", Scope.READ},
                {HttpMethods.GET, "/", null}, {HttpMethods.GET, "/ui/app.js", null},
                {HttpMethods.POST, "/api/v1/session", null}, {HttpMethods.GET, "/api/v1/stream", Scope.READ},
                {HttpMethods.GET, "/api/v1/sources", Scope.READ},
        };
        for (Object[] c : cases) {
            assertThat(needed((HttpMethod) c[0], (String) c[1])).as(c[0] + " " + c[1])
                    .isEqualTo(Optional.ofNullable((Scope) c[2]));
        }
    }

    @Test
    void scopesIncludeTheLesserOnesButIngestStandsAlone() {
        assertThat(ADMIN.allows(Scope.OPERATE)).isTrue();
        assertThat(ADMIN.allows(Scope.READ)).isTrue();
        assertThat(ADMIN.allows(Scope.INGEST)).isFalse();
        assertThat(OPERATOR.allows(Scope.READ)).isTrue();
        assertThat(OPERATOR.allows(Scope.ADMIN)).isFalse();
        assertThat(READER.allows(Scope.OPERATE)).isFalse();
        assertThat(DEVICE.allows(Scope.READ)).isFalse();
        assertThat(DEVICE.allows(Scope.INGEST)).isTrue();
    }

    @Test
    void aTokenIsFoundByItsSecretAndShowsOnlyItsName() {
        assertThat(authorizer.find("o-0123456789abcdef")).contains(OPERATOR);
        assertThat(authorizer.find("o-0123456789abcdeF")).isEmpty();
        assertThat(authorizer.find("")).isEmpty();
        assertThat(OPERATOR.toString()).contains("operator").doesNotContain("0123456789abcdef");
    }

    @Test
    void requestsAreCountedUnderAFewRouteLabelsWhateverThePath() {
        assertThat(RouteLabel.of(List.of("health", "ready"))).isEqualTo("health");
        assertThat(RouteLabel.of(List.of("metrics"))).isEqualTo("metrics");
        assertThat(RouteLabel.of(List.of("api", "v1", "sensors", "lab-1", "t", "readings"))).isEqualTo("sensors");
        assertThat(RouteLabel.of(List.of("api", "v1", "ingest"))).isEqualTo("source");
        assertThat(RouteLabel.of(List.of("api", "v2", "sensors"))).isEqualTo("other");
        assertThat(RouteLabel.of(List.of("wp-login.php"))).isEqualTo("other");
        assertThat(RouteLabel.of(List.of())).isEqualTo("dashboard");
        assertThat(RouteLabel.of(List.of("ui", "vendor", "uplot", "uPlot.iife.min.js"))).isEqualTo("dashboard");
    }

    @Test
    void aStateChangingRequestFromAnotherSiteIsRefusedWhateverTheTokens() {
        HttpRequest post = HttpRequest.POST("/api/v1/admin/reload")
                .addHeader(org.apache.pekko.http.javadsl.model.headers.Host.create("127.0.0.1", 8080));
        assertThat(authorizer.crossSite(post)).as("no Origin: not a browser, or same-origin").isFalse();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Origin", "http://127.0.0.1:8080"))))
                .isFalse();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Origin", "http://evil.example"))))
                .isTrue();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Origin", "http://127.0.0.1:9999"))))
                .isTrue();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Origin", "null")))).isTrue();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Sec-Fetch-Site", "cross-site")))).isTrue();
        assertThat(authorizer.crossSite(post.addHeader(RawHeader.create("Origin", "https://grafana.example.com"))))
                .as("a listed CORS origin").isFalse();
    }

    @Test
    void sessionsEndWhenIdleOrWhenTheOldestMakesRoom() {
        long[] now = {0};
        java.time.Clock clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.ofEpochMilli(now[0]);
            }
        };
        Sessions sessions = new Sessions(2, java.time.Duration.ofMinutes(10), clock);
        Sessions.Created a = sessions.create(READER);
        Sessions.Created b = sessions.create(OPERATOR);
        assertThat(a.id()).isNotEqualTo(b.id()).hasSizeGreaterThan(40);
        assertThat(sessions.find(a.id())).map(Sessions.Session::token).contains(READER);
        Sessions.Created c = sessions.create(ADMIN);
        assertThat(sessions.find(b.id())).as("least recently used, ended to make room").isEmpty();
        assertThat(sessions.find(a.id())).isPresent();
        now[0] += java.time.Duration.ofMinutes(11).toMillis();
        assertThat(sessions.find(c.id())).as("idle too long").isEmpty();
        assertThat(c.session().csrfMatches(c.session().csrf())).isTrue();
        assertThat(c.session().csrfMatches("x")).isFalse();
        assertThat(c.session().csrfMatches(null)).isFalse();
        sessions.end(a.id());
        assertThat(sessions.size()).isZero();
    }

    @Test
    void loopbackHostsAreTheOnlyOnesOpenWithoutTokens() {
        assertThat(HttpConfig.isLoopback("127.0.0.1")).isTrue();
        assertThat(HttpConfig.isLoopback("127.0.0.53")).isTrue();
        assertThat(HttpConfig.isLoopback("::1")).isTrue();
        assertThat(HttpConfig.isLoopback("localhost")).isTrue();
        assertThat(HttpConfig.isLoopback("0.0.0.0")).isFalse();
        assertThat(HttpConfig.isLoopback("::")).isFalse();
        assertThat(HttpConfig.isLoopback("192.168.1.10")).isFalse();
        assertThat(HttpConfig.isLoopback("sensors.example.org")).isFalse();
    }
}
