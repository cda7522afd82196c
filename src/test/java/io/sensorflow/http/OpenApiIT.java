package io.sensorflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;
import static org.awaitility.Awaitility.await;

/**
 * The OpenAPI document the daemon serves is valid OpenAPI 3.1, names every route the API serves, and is true: every
 * documented operation is called on a real daemon with the document's own examples, and each answer's status is
 * documented and its JSON body validates against the documented schema.
 */
class OpenApiIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "post", "delete");

    private record Call(String method, String path, String template, JsonNode operation) {
    }

    /** A running daemon with something to find: a series, a firing alert with an episode, a silence, a failure. */
    private record Fixture(int port, Map<String, String> ids, String document) {
    }

    private static Fixture start(TestConfig config) {
        // A webhook that cannot reach its target, tried once: a failed delivery to list and to retry.
        Daemon daemon = DAEMONS.start(config.with("""
                sources { push { type = http-push } }
                actions.hook { type = webhook, url = "http://127.0.0.1:9/nobody-listens", timeout = 2s }
                rules.too-hot.actions = [ audit, hook ]
                pipeline.action-retry.max-attempts = 1
                """));
        int port = daemon.httpPort();
        Http.Response served = Http.get(port, "/api/v1/openapi.json");
        assertThat(served.status()).isEqualTo(200);
        try {
            long now = System.currentTimeMillis();
            assertThat(Http.post(port, "/api/v1/ingest", "[{\"sensor\": \"lab-1\", \"metric\": \"temperature\", "
                    + "\"value\": 35, \"timestamp\": " + now + ", \"tags\": {\"room\": \"lab\"}}]").status())
                    .isEqualTo(202);
            String episode = JSON.readTree(Http.get(port, "/api/v1/alerts").body()).get(0).get("id").asText();
            // Acknowledged, so that the answers about the episode carry an acknowledgement to validate.
            assertThat(Http.post(port, "/api/v1/alerts/" + episode + "/ack", "{\"by\": \"ann\"}").status())
                    .isEqualTo(200);
            String silence = JSON.readTree(Http.post(port, "/api/v1/silences", "{\"rule\": \"too-hot\", "
                    + "\"duration\": \"1h\", \"comment\": \"openapi\"}").body()).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(Http.get(port,
                    "/api/v1/deliveries?state=failed").body()).size() == 1);
            String delivery = JSON.readTree(Http.get(port, "/api/v1/deliveries?state=failed").body()).get(0)
                    .get("id").asText();
            return new Fixture(port, Map.of("{episode}", episode, "{silence}", silence, "{delivery}", delivery),
                    served.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every operation of the document, with its path filled from the examples and the fixture's ids. */
    private static List<Call> calls(JsonNode doc, Map<String, String> ids) {
        List<Call> calls = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (METHODS.contains(op.getKey())) {
                    calls.add(new Call(op.getKey().toUpperCase(), url(path.getKey(), op.getValue(), ids),
                            path.getKey(), op.getValue()));
                }
            }
        }
        return calls;
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented(TestConfig config) throws Exception {
        Fixture fixture = start(config.named("openapi"));
        int port = fixture.port();
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(fixture.document(), null, null);
        assertThat(parsed.getMessages()).as("what the OpenAPI parser says of the document").isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");

        JsonNode doc = JSON.readTree(fixture.document());
        // The response schemas refer to components; validated as one JSON Schema 2020-12 document with them as $defs.
        JsonNode defs = JSON.readTree(JSON.writeValueAsString(doc.at("/components/schemas"))
                .replace("#/components/schemas/", "#/$defs/"));
        SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

        List<Call> calls = calls(doc, fixture.ids());
        // Every resource the API serves is described; so are health, metrics and the default push path.
        Set<String> described = new TreeSet<>();
        calls.forEach(c -> described.add(c.template()));
        for (String own : HttpApi.OWN_PATHS) {
            assertThat(described).as("documented under /api/v1/" + own)
                    .anyMatch(p -> p.equals("/api/v1/" + own) || p.startsWith("/api/v1/" + own + "/"));
        }
        assertThat(described).contains("/health/live", "/health/ready", "/metrics", "/api/v1/ingest");

        assertSoftly(softly -> {
            for (Call call : calls) {
                String name = call.method() + " " + call.path();
                JsonNode operation = call.operation();
                JsonNode example = operation.at("/requestBody/content/application~1json/example");
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + call.path())).timeout(Duration.ofSeconds(10));
                if (example.isMissingNode()) {
                    request.method(call.method(), HttpRequest.BodyPublishers.noBody());
                } else {
                    String body = example.toString().replace("<a token from http.auth.tokens>", "none-configured");
                    request.method(call.method(), HttpRequest.BodyPublishers.ofString(body))
                            .header("Content-Type", "application/json");
                }
                boolean stream = operation.at("/responses/200/content").has("text/event-stream");
                Http.Response response = stream ? Http.sendWithoutBody(request.build()) : Http.send(request.build());
                JsonNode documented = operation.get("responses").get(Integer.toString(response.status()));
                softly.assertThat(documented).as(name + " answered " + response.status() + ": " + response.body()
                        + "; not a documented status").isNotNull();
                if (documented == null) {
                    continue;
                }
                softly.assertThat(response.status()).as(name + ": " + response.body()).isLessThan(400);
                String contentType = response.header("Content-Type");
                Iterator<String> types = documented.path("content").fieldNames();
                String documentedType = types.hasNext() ? types.next() : null;
                if (documentedType == null) {
                    continue;
                }
                softly.assertThat(contentType).as(name + " content type").startsWith(documentedType);
                if (documentedType.equals("application/json")) {
                    ObjectNode schema = withDefs(documented.at("/content/application~1json/schema"));
                    ObjectNode wrapper = JSON.createObjectNode();
                    wrapper.put("$schema", "https://json-schema.org/draft/2020-12/schema");
                    wrapper.set("$defs", defs);
                    wrapper.set("allOf", JSON.createArrayNode().add(schema));
                    var errors = schemas.getSchema(wrapper.toString()).validate(response.body(), InputFormat.JSON);
                    softly.assertThat(errors).as(name + " body " + response.body()).isEmpty();
                }
            }
        });
        // Every operation of the document was called (a new one raises the count here too).
        assertThat(calls).hasSize(26);
    }

    /**
     * HEAD is answered wherever GET is, as GET is (status and headers) but without a body, and nowhere else: every
     * GET of the document, the dashboard's files, and routes that serve POST alone.
     */
    @Test
    void everyGetAnswersHeadWithItsStatusAndHeadersAndNoBody(TestConfig config) throws Exception {
        Fixture fixture = start(config.named("head"));
        int port = fixture.port();
        List<String> paths = new ArrayList<>(List.of("/", "/ui/app.js", "/api/v1/sensors", "/api/v1/admin/reload",
                "/api/v1/ingest", "/api/v1/nothing-here"));
        calls(JSON.readTree(fixture.document()), fixture.ids()).stream().filter(c -> c.method().equals("GET"))
                .forEach(c -> paths.add(c.path()));
        assertThat(paths).contains("/metrics", "/health/ready", "/api/v1/openapi.json")
                .anyMatch(path -> path.startsWith("/api/v1/stream?"));
        // Their bodies do not change between two calls, so neither may their length.
        Set<String> fixed = Set.of("/", "/ui/app.js", "/api/v1/openapi.json");
        assertSoftly(softly -> {
            for (String path : paths) {
                HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).GET().build();
                Http.Response got = path.startsWith("/api/v1/stream") ? Http.sendWithoutBody(get) : Http.send(get);
                Http.Response head = Http.send(HttpRequest.newBuilder(get.uri()).timeout(Duration.ofSeconds(10))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
                softly.assertThat(head.status()).as("HEAD " + path + ", GET answered " + got.body())
                        .isEqualTo(got.status());
                softly.assertThat(head.body()).as("HEAD " + path).isEmpty();
                for (String header : List.of("Content-Type", "Allow", "Content-Security-Policy", "Cache-Control")) {
                    softly.assertThat(head.header(header)).as("HEAD " + path + ": " + header)
                            .isEqualTo(got.header(header));
                }
                if (fixed.contains(path)) {
                    softly.assertThat(head.header("Content-Length")).as("HEAD " + path).isNotNull()
                            .isEqualTo(got.header("Content-Length"));
                }
            }
        });
        // Counted as what it is, under the route it asked for.
        List<String> counted = Http.get(port, "/metrics").body().lines()
                .filter(line -> line.startsWith("sensorflow_http_requests_total{") && line.contains("method=\"HEAD\""))
                .toList();
        assertThat(counted).anySatisfy(line -> assertThat(line).contains("route=\"metrics\"", "status=\"200\""));
        assertThat(counted).anySatisfy(line -> assertThat(line).contains("route=\"dashboard\"", "status=\"200\""));
    }

    private static ObjectNode withDefs(JsonNode schema) {
        try {
            return (ObjectNode) JSON.readTree(JSON.writeValueAsString(schema)
                    .replace("#/components/schemas/", "#/$defs/"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The path with the examples of its path parameters, and the query parameters that have an example. */
    private static String url(String template, JsonNode operation, Map<String, String> ids) {
        String path = template;
        StringBuilder query = new StringBuilder();
        for (JsonNode parameter : operation.path("parameters")) {
            if (!parameter.has("example")) {
                continue;
            }
            String example = parameter.get("example").asText();
            example = ids.getOrDefault(example, example);
            String name = parameter.get("name").asText();
            if (parameter.get("in").asText().equals("path")) {
                path = path.replace("{" + name + "}", URLEncoder.encode(example, StandardCharsets.UTF_8));
            } else if (parameter.get("in").asText().equals("query")) {
                query.append(query.isEmpty() ? "?" : "&").append(name).append('=')
                        .append(URLEncoder.encode(example, StandardCharsets.UTF_8));
            }
        }
        return path + query;
    }
}
