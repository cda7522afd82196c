package io.sensorflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /api/v1/stream} against a real daemon: live events, resume from the store, and clients that never read. */
class StreamIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final String PUSH = "sources { push { type = http-push } }\n"
            // A closed connection is noticed at the next write: the heartbeat's, when no reading comes.
            + "http.stream { interval = 100ms, heartbeat = 1s }\n";

    /** One server-sent event as a client sees it. */
    record Event(String type, String id, String data) {

        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A client reading a stream on its own thread, events into a queue, until closed. */
    static final class Listener implements AutoCloseable {

        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        /** Every event received, also those {@link #next} skipped. */
        final List<Event> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        final int status;
        private final InputStream body;
        private final Thread reader;

        Listener(int port, String query, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/stream" + query)).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> response = CLIENT.send(request.build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            body = response.body();
            reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String type = null;
                String id = null;
                StringBuilder data = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            Event event = new Event(type == null ? "message" : type, id, data.toString());
                            received.add(event);
                            events.add(event);
                        }
                        type = null;
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("event:")) {
                        type = line.substring(6).trim();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (IOException e) {
                // Closed by the test or the server.
            }
            events.add(new Event("closed", null, ""));
        }

        Event next(String type, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            for (long left = within.toNanos(); left > 0; left = deadline - System.nanoTime()) {
                Event event = events.poll(left, TimeUnit.NANOSECONDS);
                if (event != null && event.type().equals(type)) {
                    return event;
                }
            }
            throw new AssertionError("no '" + type + "' event within " + within);
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private static String reading(String sensor, double value, long ts) {
        return "{\"sensor\": \"" + sensor + "\", \"metric\": \"temperature\", \"value\": " + value
                + ", \"timestamp\": " + ts + "}";
    }

    private static void push(int port, String... readings) {
        Http.Response response = Http.post(port, "/api/v1/ingest", "[" + String.join(",", readings) + "]");
        assertThat(response.status()).as(response.body()).isEqualTo(202);
    }

    @Test
    void readingsAreConflatedPerSeriesAndTransitionsArriveWithIds(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("live").with(PUSH));
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();
        try (Listener all = new Listener(port, "", null);
             Listener onlyLab2 = new Listener(port, "?sensor=lab-2&events=readings", null)) {
            assertThat(all.status).isEqualTo(200);
            push(port, reading("lab-1", 21, now), reading("lab-1", 22, now + 1), reading("lab-2", 20, now));

            JsonNode readings = all.next("readings", Duration.ofSeconds(2)).json();
            // Both readings of lab-1 came in one commit and one send: only the newer one is sent.
            assertThat(readings.findValuesAsText("sensor")).containsExactlyInAnyOrder("lab-1", "lab-2");
            assertThat(readings.toString()).contains("\"value\":22.0").doesNotContain("\"value\":21.0");
            assertThat(onlyLab2.next("readings", Duration.ofSeconds(2)).json().findValuesAsText("sensor"))
                    .containsExactly("lab-2");

            push(port, reading("lab-1", 35, now + 2));
            Event fired = all.next("alert", Duration.ofSeconds(2));
            assertThat(fired.id()).isNotBlank();
            assertThat(fired.json().get("rule").asText()).isEqualTo("too-hot");
            assertThat(fired.json().get("state").asText()).isEqualTo("firing");
            // Two later readings of lab-2, each waited for: a transition queued for this client before the first
            // would have been sent before the second.
            for (int marker = 1; marker <= 2; marker++) {
                push(port, reading("lab-2", 10 + marker, now + 2 + marker));
                String expected = "\"value\":" + (10.0 + marker);
                await().atMost(Duration.ofSeconds(2)).until(() -> onlyLab2.received.stream()
                        .anyMatch(e -> e.type().equals("readings") && e.data().contains(expected)));
            }
            assertThat(onlyLab2.received).noneMatch(e -> e.type().equals("alert"));
        }
        assertThat(Http.get(port, "/metrics").body()).contains("sensorflow_stream_events_total{type=\"alert\"}",
                "sensorflow_stream_skipped_total{reason=\"conflated\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> Http.get(port, "/metrics").body()
                .contains("sensorflow_stream_clients 0"));
    }

    @Test
    void lastEventIdResumesTheTransitionsMissedFromTheStore(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("resume").with(PUSH));
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();
        String lastId;
        try (Listener first = new Listener(port, "?events=alerts", null)) {
            push(port, reading("lab-1", 35, now));
            lastId = first.next("alert", Duration.ofSeconds(2)).id();
        }
        // Away: lab-1 resolves, lab-3 fires.
        push(port, reading("lab-1", 20, now + 1000));
        push(port, reading("lab-3", 40, now + 1000));
        await().atMost(Duration.ofSeconds(5)).until(() -> Http.get(port, "/api/v1/alerts/history").body()
                .contains("lab-3"));

        try (Listener back = new Listener(port, "?events=alerts", lastId)) {
            List<String> missed = new ArrayList<>();
            missed.add(back.next("alert", Duration.ofSeconds(2)).data());
            missed.add(back.next("alert", Duration.ofSeconds(2)).data());
            assertThat(missed).anySatisfy(e -> assertThat(e).contains("\"sensor\":\"lab-1\"", "\"state\":\"resolved\""));
            assertThat(missed).anySatisfy(e -> assertThat(e).contains("\"sensor\":\"lab-3\"", "\"state\":\"firing\""));
            // The event it had already seen is not sent again, and live ones follow the replay.
            push(port, reading("lab-3", 20, now + 2000));
            Event live = back.next("alert", Duration.ofSeconds(2));
            assertThat(live.data()).contains("\"sensor\":\"lab-3\"", "\"state\":\"resolved\"");
            assertThat(live.id()).isNotEqualTo(lastId);
        }
        // An id the server never gave tells the client to load everything again.
        try (Listener lost = new Listener(port, "?events=alerts", "not-an-id")) {
            assertThat(lost.next("resync", Duration.ofSeconds(2)).data()).contains("not an id of this stream");
        }
        assertThat(Http.get(port, "/api/v1/stream?events=nothing").status()).isEqualTo(400);
    }

    @Test
    void fiveHundredClientsThatNeverReadLeaveIngestUnaffected(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("stalled").with(PUSH));
        int port = daemon.httpPort();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(socket);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/metrics").body()
                    .contains("sensorflow_stream_clients 500"));

            long now = System.currentTimeMillis();
            int batches = 40;
            int perBatch = 500;
            long slowest = 0;
            for (int b = 0; b < batches; b++) {
                List<String> readings = new ArrayList<>(perBatch);
                for (int i = 0; i < perBatch; i++) {
                    readings.add(reading("s" + i, 20 + (b % 5), now + b));
                }
                long started = System.nanoTime();
                push(port, readings.toArray(String[]::new));
                slowest = Math.max(slowest, System.nanoTime() - started);
            }
            long live = System.nanoTime();
            assertThat(Http.get(port, "/health/ready").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - live)).isLessThan(Duration.ofSeconds(1));
            assertThat(Duration.ofNanos(slowest)).as("slowest push").isLessThan(Duration.ofSeconds(5));
            assertThat(Http.get(port, "/api/v1/sensors").body()).contains("\"sensor\":\"s499\"");
            assertThat(daemonStored(port)).isEqualTo((long) batches * perBatch);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/metrics").body()
                .contains("sensorflow_stream_clients 0"));
    }

    @Test
    void aClientThatStopsTakingEventsIsDisconnected(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("stall").with(PUSH
                + "http.stream { stall-timeout = 1s, heartbeat = 500ms }\n"));
        int port = daemon.httpPort();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(1024);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.getOutputStream().write(("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long now = System.currentTimeMillis();
            // Enough distinct series that the socket's buffers fill and the stream stops taking sends.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            for (int b = 0; System.nanoTime() < deadline && !Http.get(port, "/metrics").body()
                    .contains("sensorflow_stream_disconnects_total{reason=\"stalled\"}"); b++) {
                List<String> readings = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    readings.add(reading("long-sensor-name-to-fill-buffers-" + i, b, now + b));
                }
                push(port, readings.toArray(String[]::new));
            }
            assertThat(Http.get(port, "/metrics").body())
                    .contains("sensorflow_stream_disconnects_total{reason=\"stalled\"} 1.0");
            assertThat(Http.get(port, "/metrics").body()).contains("sensorflow_stream_clients 0");
        }
    }

    private static long daemonStored(int port) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/metrics").body().lines()
                .filter(l -> l.startsWith("sensorflow_readings_stored_total "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum(), n -> n >= 20_000);
    }
}
