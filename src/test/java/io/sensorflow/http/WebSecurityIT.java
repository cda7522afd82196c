package io.sensorflow.http;

import io.sensorflow.app.Daemon;
import io.sensorflow.config.ConfigException;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What lets the port leave loopback: the dashboard's session and CSRF token, other sites refused, CORS, TLS. */
class WebSecurityIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final String OPERATOR = "operator-token-0123456789";
    private static final String PUSH = "sources { push { type = http-push } }\n";
    private static final String TOKENS = PUSH + "http.auth.tokens { ops { token = \"" + OPERATOR
            + "\", scopes = [operate] } }\n";
    private static final String SILENCE = "{\"rule\": \"too-hot\", \"duration\": \"1h\", \"comment\": \"test\"}";

    private static Http.Response send(int port, String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return Http.send(request.build());
    }

    @Test
    void theDashboardSessionNeedsItsCsrfTokenToChangeAnything(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("session").with(TOKENS));
        int port = daemon.httpPort();
        assertThat(send(port, "GET", "/api/v1/session", null).body()).contains("\"auth\":\"required\"");
        assertThat(send(port, "POST", "/api/v1/session", "{\"token\": \"wrong-token-0123456789\"}").status())
                .isEqualTo(401);

        Http.Response signedIn = send(port, "POST", "/api/v1/session", "{\"token\": \"" + OPERATOR + "\"}");
        assertThat(signedIn.status()).isEqualTo(200);
        String setCookie = signedIn.header("Set-Cookie");
        assertThat(setCookie).startsWith("sensorflow_session=").contains("HttpOnly", "SameSite=Strict")
                .doesNotContain("Secure").doesNotContain(OPERATOR);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String csrf = Responses.JSON.readTree(signedIn.body()).get("csrf").asText();
        assertThat(signedIn.body()).contains("\"name\":\"ops\"", "\"operate\"", "\"read\"");

        assertThat(send(port, "GET", "/api/v1/sensors", null, "Cookie", cookie).status()).isEqualTo(200);
        assertThat(send(port, "HEAD", "/api/v1/sensors", null, "Cookie", cookie).status()).as("reads need no CSRF")
                .isEqualTo(200);
        assertThat(send(port, "GET", "/api/v1/session", null, "Cookie", cookie).body()).contains(csrf);
        Http.Response noCsrf = send(port, "POST", "/api/v1/silences", SILENCE, "Cookie", cookie);
        assertThat(noCsrf.status()).isEqualTo(403);
        assertThat(noCsrf.body()).contains("CSRF");
        assertThat(send(port, "POST", "/api/v1/silences", SILENCE, "Cookie", cookie, "X-CSRF-Token", "nope")
                .status()).isEqualTo(403);
        assertThat(send(port, "POST", "/api/v1/silences", SILENCE, "Cookie", cookie, "X-CSRF-Token", csrf).status())
                .isEqualTo(201);
        // The session carries its token's scopes, no more.
        assertThat(send(port, "POST", "/api/v1/admin/reload", "", "Cookie", cookie, "X-CSRF-Token", csrf).status())
                .isEqualTo(403);

        Http.Response out = send(port, "DELETE", "/api/v1/session", null, "Cookie", cookie);
        assertThat(out.header("Set-Cookie")).contains("Max-Age=0");
        assertThat(send(port, "GET", "/api/v1/sensors", null, "Cookie", cookie).status()).isEqualTo(401);
    }

    @Test
    void anotherSiteCannotPostEvenToAnOpenApiButAListedOriginMayReadWithCors(TestConfig config) {
        Daemon daemon = DAEMONS.start(config.named("origins").with(PUSH
                + "http.cors.allowed-origins = [\"https://grafana.example.com\"]\n"));
        int port = daemon.httpPort();
        Http.Response evil = send(port, "POST", "/api/v1/silences", SILENCE, "Origin", "http://evil.example");
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.body()).contains("another site");
        assertThat(send(port, "POST", "/api/v1/silences", SILENCE, "Origin", "http://127.0.0.1:" + port).status())
                .as("the dashboard itself").isEqualTo(201);
        assertThat(send(port, "POST", "/api/v1/silences", SILENCE).status()).as("curl, no Origin").isEqualTo(201);
        assertThat(send(port, "HEAD", "/api/v1/sensors", null, "Origin", "http://evil.example").status())
                .as("HEAD changes nothing").isEqualTo(200);

        Http.Response preflight = send(port, "OPTIONS", "/api/v1/sensors", null, "Origin",
                "https://grafana.example.com", "Access-Control-Request-Method", "GET");
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://grafana.example.com");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization");
        Http.Response listed = send(port, "GET", "/api/v1/sensors", null, "Origin", "https://grafana.example.com");
        assertThat(listed.header("Access-Control-Allow-Origin")).isEqualTo("https://grafana.example.com");
        assertThat(listed.header("Access-Control-Allow-Credentials")).isNull();
        Http.Response other = send(port, "GET", "/api/v1/sensors", null, "Origin", "http://evil.example");
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void tlsFromPemFiles(TestConfig config) throws Exception {
        Path tls = DAEMONS.dir().resolve("tls");
        MosquittoBroker.makeCertificates(tls);
        // Launched, not started: the extension's readiness probe speaks plain HTTP.
        Daemon daemon = DAEMONS.launch(config.named("tls").with(TOKENS + "http.tls { certificate = \""
                + tls.resolve("server.pem") + "\", private-key = \"" + tls.resolve("server.key") + "\" }\n").parse());
        int port = daemon.httpPort();

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream ca = Files.newInputStream(tls.resolve("ca.pem"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(context).build();
        HttpResponse<String> live = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> signedIn = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                        + "/api/v1/session")).POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + OPERATOR
                        + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.headers().firstValue("Set-Cookie")).get().asString().contains("; Secure");
        assertThat(Http.get(port, "/health/live").status()).as("plain HTTP on the TLS port").isNotEqualTo(200);

        // A key in the old PKCS#1 form is refused when the config is read, naming the file and the fix.
        assertThatThrownBy(() -> config.with("http.tls { certificate = \"" + tls.resolve("client.pem")
                + "\", private-key = \"" + tls.resolve("client.rsa.key") + "\" }").parse())
                .isInstanceOf(ConfigException.class).hasMessageContaining("client.rsa.key")
                .hasMessageContaining("openssl pkcs8");
    }
}
