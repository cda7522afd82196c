package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
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
            DEVICE)));

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
                {HttpMethods.GET, "/api/v1/sensors/a/t/readings?step=1m", Scope.READ},
                {HttpMethods.GET, "/api/v1/alerts/history", Scope.READ},
                {HttpMethods.POST, "/api/v1/alerts/x/ack", Scope.OPERATE},
                {HttpMethods.POST, "/api/v1/silences", Scope.OPERATE},
                {HttpMethods.DELETE, "/api/v1/silences/7", Scope.OPERATE},
                {HttpMethods.POST, "/api/v1/admin/reload", Scope.ADMIN},
                {HttpMethods.GET, "/api/v1/admin/reload", Scope.ADMIN},
                {HttpMethods.POST, "/api/v1/ingest", Scope.INGEST},
                {HttpMethods.POST, "/api/v1/ingest/lab", Scope.INGEST},
                {HttpMethods.POST, "/nowhere", Scope.OPERATE}, {HttpMethods.GET, "/", Scope.READ},
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
        assertThat(RouteLabel.of(List.of())).isEqualTo("other");
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
