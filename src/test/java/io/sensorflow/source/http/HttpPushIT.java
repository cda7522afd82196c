package io.sensorflow.source.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code POST /api/v1/ingest} over real HTTP into a real daemon and its SQLite file, and its answers when busy. */
class HttpPushIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ActorSystem system;

    @AfterEach
    void stop() {
        if (system != null) {
            system.terminate();
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storesEachFormatAndAnswersOnlyAfterTheCommitNamingEveryRejectedElement(TestConfig test) throws Exception {
        TestConfig config = test.named("push");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config.with("sources { push { type = http-push, max-body = 2KiB } }"));
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();

        Http.Response ok = Http.post(port, "/api/v1/ingest", "application/json", utf8("["
                + "{\"sensor\": \"lab-1\", \"metric\": \"temperature\", \"value\": 21.5, \"timestamp\": " + now
                + ", \"unit\": \"Cel\", \"tags\": {\"room\": \"lab\"}},"
                + "{\"sensor\": \"lab-1\", \"metric\": \"humidity\", \"value\": 40, \"timestamp\": \""
                + java.time.Instant.ofEpochMilli(now) + "\"}]"));
        assertThat(ok.status()).isEqualTo(202);
        assertThat(JSON.readTree(ok.body()).get("accepted").asInt()).isEqualTo(2);
        // 202 means committed: no waiting here.
        assertThat(Sql.count(db, "SELECT count(*) FROM readings_all")).isEqualTo(2);

        Http.Response mixed = Http.post(port, "/api/v1/ingest", "application/json", utf8("["
                + "{\"sensor\": \"lab-2\", \"metric\": \"temperature\", \"value\": 22, \"timestamp\": " + now + "},"
                + "{\"sensor\": \"lab-2\", \"metric\": \"temperature\", \"timestamp\": " + (now + 1) + "},"
                + "{\"sensor\": \"lab-2\", \"metric\": \"temperature\", \"value\": 23, \"timestamp\": " + (now + 2) + "}]"));
        assertThat(mixed.status()).isEqualTo(400);
        JsonNode answer = JSON.readTree(mixed.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(2);
        assertThat(answer.get("rejected")).hasSize(1);
        assertThat(answer.get("rejected").get(0).get("reason").asText()).isEqualTo("missing-value");
        assertThat(answer.get("rejected").get(0).get("detail").asText()).startsWith("/1: ");
        assertThat(Sql.count(db, "SELECT count(*) FROM readings_all")).as("the good ones are stored").isEqualTo(4);

        Http.Response lines = Http.post(port, "/api/v1/ingest", "text/plain; charset=utf-8", utf8(
                "boiler,sensor=b-1,site=north temp=71.5,pressure=2.1 " + now * 1_000_000 + "\n"
                        + "boiler,sensor=b-1 temp=hot " + now * 1_000_000 + "\n"));
        assertThat(lines.status()).isEqualTo(400);
        assertThat(lines.body()).contains("\"accepted\":2", "line 2: ");

        // As Telegraf's InfluxDB output sends it: gzip, seconds.
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(zipped)) {
            gzip.write(utf8("telegraf,sensor=t-1 value=5 " + now / 1000 + "\n"));
        }
        Http.Response compressed = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + port + "/api/v1/ingest?precision=s"))
                .header("Content-Type", "text/plain").header("Content-Encoding", "gzip")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())).build());
        assertThat(compressed.status()).as(compressed.body()).isEqualTo(202);
        assertThat(Sql.count(db, "SELECT r.ts FROM readings_all r JOIN series s ON r.series = s.id "
                + "WHERE s.sensor = 't-1'")).isEqualTo(now / 1000 * 1000);
        assertThat(Http.post(port, "/api/v1/ingest?precision=fortnights", "text/plain", utf8("m,sensor=x value=1"))
                .status()).isEqualTo(400);

        Http.Response senml = Http.post(port, "/api/v1/ingest", "application/senml+json", utf8(
                "[{\"bn\": \"urn:dev:ow:10e2073a01080063:\", \"bt\": " + now / 1000.0 + ", \"n\": \"voltage\", "
                        + "\"u\": \"V\", \"v\": 120.1}, {\"n\": \"current\", \"u\": \"A\", \"v\": 1.2}]"));
        assertThat(senml.status()).isEqualTo(202);
        assertThat(Sql.count(db, "SELECT count(*) FROM series WHERE sensor = 'urn:dev:ow:10e2073a01080063'"))
                .isEqualTo(2);

        // SenML CBOR: [{-2: "cbor-dev:", 0: "temp", 2: 19.5, -3: <now s>}] with CBOR's integer labels.
        java.io.ByteArrayOutputStream cbor = new java.io.ByteArrayOutputStream();
        try (com.fasterxml.jackson.dataformat.cbor.CBORGenerator g = (com.fasterxml.jackson.dataformat.cbor.CBORGenerator)
                new com.fasterxml.jackson.dataformat.cbor.CBORFactory().createGenerator(cbor)) {
            g.writeStartArray();
            g.writeStartObject();
            g.writeFieldId(-2);
            g.writeString("cbor-dev:");
            g.writeFieldId(-3);
            g.writeNumber(now / 1000.0);
            g.writeFieldId(0);
            g.writeString("temp");
            g.writeFieldId(2);
            g.writeNumber(19.5);
            g.writeEndObject();
            g.writeEndArray();
        }
        assertThat(Http.post(port, "/api/v1/ingest", "application/senml+cbor", cbor.toByteArray()).status())
                .isEqualTo(202);
        assertThat(Sql.count(db, "SELECT count(*) FROM series WHERE sensor = 'cbor-dev' AND metric = 'temp'"))
                .isEqualTo(1);

        Http.Response state = Http.post(port, "/api/v1/ingest", "application/json", utf8(
                "{\"sensor\": \"door-1\", \"metric\": \"door\", \"state\": \"open\", \"timestamp\": " + now + "}"));
        assertThat(state.status()).isEqualTo(202);
        JsonNode states = JSON.readTree(Http.get(port, "/api/v1/sensors/door-1/door/readings?from=0").body());
        assertThat(states.get("source").asText()).isEqualTo("states");
        assertThat(states.get("points").get(0).get("state").asText()).isEqualTo("open");
        assertThat(states.get("points").get(0).get("t").asLong()).isEqualTo(now);
        assertThat(Http.get(port, "/api/v1/sensors").body())
                .contains("{\"sensor\":\"door-1\",\"metric\":\"door\",\"timestamp\":" + now + ",\"tags\":{},\"state\":\"open\"}");

        Http.Response malformed = Http.post(port, "/api/v1/ingest", "application/json", utf8("{\"sensor\": "));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).contains("malformed-json");

        Http.Response tooLarge = Http.post(port, "/api/v1/ingest", "application/json", new byte[3000]);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(Http.post(port, "/api/v1/ingest", "text/csv", utf8("a,b")).status()).isEqualTo(415);

        // Every rejection is a dead letter, with its place and the raw payload.
        JsonNode letters = JSON.readTree(Http.get(port, "/api/v1/dead-letters?source=push").body());
        assertThat(letters).extracting(l -> l.get("reason").asText())
                .containsExactly("malformed-json", "wrong-type", "missing-value");
        assertThat(letters.get(2).get("payload").asText()).contains("\"lab-2\"");
        assertThat(letters.get(2).get("payloadEncoding").asText()).isEqualTo("text");
        assertThat(JSON.readTree(Http.get(port, "/api/v1/dead-letters?reason=wrong-type").body())).hasSize(1);
        assertThat(JSON.readTree(Http.get(port, "/api/v1/dead-letters?limit=1").body())).hasSize(1);
        assertThat(Http.get(port, "/api/v1/dead-letters?limit=lots").status()).isEqualTo(400);
        String metrics = Http.get(port, "/metrics").body();
        assertThat(metrics).contains("sensorflow_decode_errors_total{reason=\"missing-value\",source=\"push\"} 1.0",
                "sensorflow_source_requests_total{outcome=\"202\",source=\"push\"} 5.0",
                "sensorflow_source_requests_total{outcome=\"413\",source=\"push\"} 1.0");
    }

    @Test
    void answers503WithRetryAfterWhenTooManyWaitOrTheCommitDoesNotCome() throws Exception {
        system = ActorSystem.create("push-busy");
        Metrics metrics = new Metrics();
        HttpPushSourceConfig config = new HttpPushSourceConfig("busy", "ingest", 1 << 20, true, 1, Duration.ofSeconds(2),
                Duration.ofSeconds(3), java.util.Map.of("application/json", io.sensorflow.codec.CanonicalCodec.FORMAT));
        HttpPushSource source = new HttpPushSource(config, new SourceContext(system, Clock.systemUTC(), metrics,
                new Decoder(metrics, Duration.ofHours(1), Duration.ZERO, 1 << 20)));
        // A pipeline that never takes anything: the one pending request never commits.
        source.incoming().runWith(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), system);
        ServerBinding binding = org.apache.pekko.http.javadsl.Http.get(system).newServerAt("127.0.0.1", 0)
                .bind(source.route()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        int port = binding.localAddress().getPort();
        byte[] reading = utf8("{\"sensor\": \"a\", \"metric\": \"t\", \"value\": 1}");

        CompletableFuture<Http.Response> first = CompletableFuture.supplyAsync(() ->
                Http.post(port, "/", "application/json", reading));
        await().atMost(Duration.ofSeconds(5)).until(() -> source.readiness().detail().startsWith("saturated"));
        Http.Response second = Http.post(port, "/", "application/json", reading);
        assertThat(second.status()).isEqualTo(503);
        assertThat(second.header("Retry-After")).isEqualTo("3");
        assertThat(second.body()).contains("max-pending");

        Http.Response timedOut = first.get(10, TimeUnit.SECONDS);
        assertThat(timedOut.status()).isEqualTo(503);
        assertThat(timedOut.body()).contains("not committed within");
        assertThat(timedOut.header("Retry-After")).isEqualTo("3");
        assertThat(source.readiness().detail()).isEqualTo("ok");
    }
}
