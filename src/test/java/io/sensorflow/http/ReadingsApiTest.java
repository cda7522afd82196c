package io.sensorflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.testing.Http;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The readings API over real HTTP against a real SQLite store. */
class ReadingsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** 2023-11-14T22:00:00Z, the start of an hour. */
    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000L;

    @TempDir
    static Path dir;
    private static ActorSystem system;
    private static ReadingStore store;
    private static ServerBinding binding;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        system = ActorSystem.create("readings-api-test");
        store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve("api.db").toString()));
        List<Reading> readings = new ArrayList<>();
        // Two hours of one reading per 10 s: value = minute of the day, so aggregates are easy to predict.
        for (long t = 0; t < 7_200_000; t += 10_000) {
            readings.add(new Reading("lab-1", "temperature", t / 60_000, T0 + t, Map.of("room", "lab"), "test"));
        }
        readings.add(new Reading("hall", "temperature", 18, T0, Map.of("room", "hall", "floor", "1"), "test"));
        store.write(readings, List.of());
        // One reading per millisecond: more raw readings in 201 s than a sub-minute step may aggregate.
        List<Reading> dense = new ArrayList<>();
        for (int i = 0; i <= io.sensorflow.store.SeriesQuery.MAX_RAW_SCAN; i++) {
            dense.add(new Reading("fast", "vibration", i % 7, T0 + i, "test"));
            if (dense.size() == 50_000) {
                store.write(dense, List.of());
                dense = new ArrayList<>();
            }
        }
        store.write(dense, List.of());
        binding = org.apache.pekko.http.javadsl.Http.get(system)
                .newServerAt("127.0.0.1", 0)
                .bind(new org.apache.pekko.http.javadsl.server.AllDirectives() { }.pathPrefix(
                        org.apache.pekko.http.javadsl.server.PathMatchers.segment("api").slash("v1"),
                        new ReadingsApi(new StoreQueries(store, new QueryPool(new HttpConfig.Queries(2, 64),
                                new io.sensorflow.telemetry.Metrics())))::route))
                .toCompletableFuture().get();
        port = binding.localAddress().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        binding.unbind().toCompletableFuture().get();
        store.close();
        system.terminate();
    }

    private static JsonNode getJson(String path, int status) throws Exception {
        Http.Response response = Http.get(port, path);
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private static String base() {
        return "/api/v1/sensors/lab-1/temperature/readings?from=" + T0 + "&to=" + (T0 + 7_200_000);
    }

    @Test
    void rawReadingsWithALimitSayTheyAreTruncated() throws Exception {
        JsonNode body = getJson(base() + "&limit=5", 200);
        assertThat(body.get("source").asText()).isEqualTo("raw");
        assertThat(body.get("truncated").asBoolean()).isTrue();
        assertThat(body.get("points")).hasSize(5);
        assertThat(body.get("points").get(1).get("t").asLong()).isEqualTo(T0 + 10_000);
    }

    @Test
    void aStepOfWholeMinutesIsAnsweredFromMinuteRollups() throws Exception {
        JsonNode body = getJson(base() + "&step=5m&agg=avg,min,max,count,last", 200);
        assertThat(body.get("source").asText()).isEqualTo("1m");
        assertThat(body.get("step").asText()).isEqualTo("5m");
        JsonNode points = body.get("points");
        assertThat(points).hasSize(24);
        JsonNode second = points.get(1);
        assertThat(second.get("t").asLong()).isEqualTo(T0 + 300_000);
        assertThat(second.get("min").asDouble()).isEqualTo(5);
        assertThat(second.get("max").asDouble()).isEqualTo(9);
        assertThat(second.get("avg").asDouble()).isEqualTo(7);
        assertThat(second.get("count").asLong()).isEqualTo(30);
        assertThat(second.get("last").asDouble()).isEqualTo(9);
    }

    @Test
    void aStepOfWholeHoursIsAnsweredFromHourRollupsAndAFinerOneFromRawReadings() throws Exception {
        JsonNode hours = getJson(base() + "&step=1h&agg=count", 200);
        assertThat(hours.get("source").asText()).isEqualTo("1h");
        assertThat(hours.get("points")).extracting(p -> p.get("count").asLong()).containsExactly(360L, 360L);
        JsonNode fine = getJson(base() + "&step=30s&agg=count&limit=1000", 200);
        assertThat(fine.get("source").asText()).isEqualTo("raw");
        assertThat(fine.get("points")).hasSize(240);
        assertThat(fine.get("points").get(0).get("count").asLong()).isEqualTo(3);
    }

    @Test
    void csvOfRawReadingsIsTheShapeImportReads() {
        Http.Response response = Http.get(port, base() + "&limit=2&format=csv");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("sensor,metric,value,timestamp\n"
                + "lab-1,temperature,0,2023-11-14T22:00:00Z\nlab-1,temperature,0,2023-11-14T22:00:10Z\n");
        Http.Response stepped = Http.get(port, base() + "&step=1h&agg=min,max&format=csv");
        assertThat(stepped.body()).startsWith("timestamp,min,max\n2023-11-14T22:00:00Z,0,59\n");
    }

    @Test
    void sensorsAreFilteredByTags() throws Exception {
        assertThat(getJson("/api/v1/sensors", 200)).hasSize(3);
        JsonNode hall = getJson("/api/v1/sensors?tag=room=hall&tag=floor=1", 200);
        assertThat(hall).hasSize(1);
        assertThat(hall.get(0).get("sensor").asText()).isEqualTo("hall");
        assertThat(hall.get(0).get("tags").get("floor").asText()).isEqualTo("1");
        assertThat(getJson("/api/v1/sensors?tag=room=attic", 200)).isEmpty();
        assertThat(Http.get(port, "/api/v1/sensors?format=csv").body())
                .startsWith("sensor,metric,value,timestamp,floor,room\n").contains("\nhall,temperature,18,");
    }

    @Test
    void badParametersAreClear400sAndAnUnknownSeriesIsA404() throws Exception {
        assertThat(getJson(base() + "&step=fast", 400).get("message").asText()).contains("step must be a duration");
        assertThat(getJson(base() + "&step=1m&agg=median", 400).get("message").asText()).contains("'median'");
        assertThat(getJson(base() + "&agg=min", 400).get("message").asText()).contains("agg needs a step");
        assertThat(getJson(base() + "&limit=0", 400).get("message").asText()).contains("limit must be");
        assertThat(getJson(base() + "&format=xml", 400).get("message").asText()).contains("json or csv");
        assertThat(getJson("/api/v1/sensors/lab-1/temperature/readings?from=yesterday", 400).get("message")
                .asText()).contains("from must be epoch milliseconds or ISO-8601");
        assertThat(getJson("/api/v1/sensors/lab-1/temperature/readings?from=2000&to=1000", 400)
                .get("message").asText()).contains("from must be before to");
        assertThat(getJson(base() + "&step=1s&limit=100", 400).get("message").asText())
                .contains("7200 buckets, more than limit=100");
        assertThat(getJson("/api/v1/sensors?tag=room", 400).get("message").asText()).contains("name=value");
        assertThat(getJson("/api/v1/sensors/fast/vibration/readings?from=" + T0 + "&to=" + (T0 + 300_000)
                + "&step=30s", 400).get("message").asText()).contains("more than 200000 raw readings")
                .contains("step of whole minutes");
        assertThat(getJson("/api/v1/sensors/fast/vibration/readings?from=" + T0 + "&to=" + (T0 + 300_000)
                + "&step=1m&agg=count", 200).get("points").get(0).get("count").asLong()).isEqualTo(60_000);
        assertThat(getJson("/api/v1/sensors/lab-9/temperature/readings", 404).get("message").asText())
                .contains("lab-9");
        assertThat(getJson("/api/v1/sensors/lab-1/temperature/readings?from=0&to=1000", 200).get("points"))
                .isEmpty();
    }
}
