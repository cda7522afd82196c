package io.sensorflow.pipeline;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.action.Action;
import io.sensorflow.action.ActionContext;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Delivery;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhook deliveries from the outbox of a real SQLite store to a real HTTP receiver on loopback: what is retried,
 * what is not, and that each delivery's idempotency key reaches the receiver.
 */
class WebhookDeliveryIT {

    private static final PipelineConfig.ActionRetry RETRY = new PipelineConfig.ActionRetry(50, Duration.ofMillis(100),
            Duration.ofMillis(400), Duration.ofHours(1));

    @TempDir
    Path dir;
    private SqliteStore store;
    private ExecutorService blocking;
    private HttpServer receiver;
    private org.apache.pekko.actor.ActorSystem system;
    private Outbox outbox;
    /** Each request the receiver got: its idempotency key, the status it answered and when (ms). */
    private final List<String[]> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The last request's headers and body, for the signed case. */
    private volatile com.sun.net.httpserver.Headers lastHeaders;
    private volatile byte[] lastBody;
    private volatile IntSupplier answer = () -> 200;
    private volatile String retryAfter;
    /** What a refusing answer carries, when not the default "no". */
    private volatile byte[] errorBody;

    @BeforeEach
    void open() throws Exception {
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("hooks.db").toString()));
        blocking = Executors.newFixedThreadPool(2);
        system = org.apache.pekko.actor.ActorSystem.create("webhook-delivery-it");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            lastBody = exchange.getRequestBody().readAllBytes();
            lastHeaders = exchange.getRequestHeaders();
            int status = answer.getAsInt();
            requests.add(new String[] {exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    Integer.toString(status), Long.toString(System.currentTimeMillis())});
            if (retryAfter != null) {
                exchange.getResponseHeaders().add("Retry-After", retryAfter);
            }
            byte[] body = status != 200 && errorBody != null ? errorBody
                    : (status == 200 ? "ok" : "no").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void close() {
        if (outbox != null) {
            outbox.close();
        }
        receiver.stop(0);
        blocking.shutdownNow();
        store.close();
        system.terminate();
    }

    private void start() {
        start(null);
    }

    /** Starts the outbox with one webhook {@code hook}: plain, or ntfy-shaped and signed with {@code secret}. */
    private void start(String secret) {
        URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        startHook(secret == null ? "{ type = webhook, url = \"" + url + "\", timeout = 2s }"
                : "{ type = webhook, url = \"" + url + "\", timeout = 2s, preset = ntfy, signing-secret = \""
                + secret + "\" }");
    }

    /** Starts the outbox with the webhook {@code hook} configured as {@code config} says. */
    private void startHook(String config) {
        // Bound as the daemon binds it, defaults from reference.conf included.
        Action hook = io.sensorflow.app.ConfigLoader.bind(com.typesafe.config.ConfigFactory.parseString(
                        "sensorflow { sources.push { type = http-push }, actions.hook " + config + " }"))
                .actions().get("hook")
                .create(new ActionContext((action, source, type) -> Optional.empty(), Duration.ofSeconds(5)));
        Metrics metrics = new Metrics();
        ActionRunner runner = new ActionRunner(store, metrics, Clock.systemUTC(), blocking, Map.of());
        outbox = new Outbox(store, runner, () -> Map.of("hook", hook), RETRY, 8, Clock.systemUTC(), metrics,
                new ActionBreakers(system.scheduler(), new PipelineConfig.ActionBreaker(100, Duration.ofSeconds(30)),
                        metrics));
        outbox.start();
    }

    private void commit(String episode) {
        AlertEvent firing = new AlertEvent(episode, "freezer-warm", "freezer-1", "t", "", AlertState.FIRING,
                "critical", -4, 1_000, 1_000, 1_000, Map.of(), Map.of(), false, List.of("hook"), null);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(firing)));
    }

    private List<String> keysAnswered(int status) {
        synchronized (requests) {
            return requests.stream().filter(r -> r[1].equals(Integer.toString(status))).map(r -> r[0]).toList();
        }
    }

    @Test
    void aReceiverThatIsDownAWhileGetsEveryDeliveryAfterwardEachKeyOnce() {
        long recovers = System.currentTimeMillis() + 1_500;
        answer = () -> System.currentTimeMillis() < recovers ? 503 : 200;
        for (int i = 0; i < 5; i++) {
            commit("e" + i);
        }
        start();
        await().atMost(Duration.ofSeconds(20)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 5);
        assertThat(keysAnswered(503)).as("tried while it was down").isNotEmpty();
        assertThat(keysAnswered(200)).containsExactlyInAnyOrder("e0:firing:1000:hook", "e1:firing:1000:hook",
                "e2:firing:1000:hook", "e3:firing:1000:hook", "e4:firing:1000:hook");
    }

    @Test
    void aGuardedWebhookIsNeverCalledAndFailsAtOnceSayingWhy() {
        // The receiver is on loopback, which this hook's guard refuses; the metadata service is refused by default.
        String local = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        startHook("{ type = webhook, url = \"" + local + "\", timeout = 2s, guard.loopback = false }");
        commit("e1");
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 1);
        assertThat(store.deliveries(Delivery.Status.FAILED, "hook", 0, 10)).singleElement().satisfies(d -> {
            assertThat(d.attempts()).as("a refusal is not retried").isEqualTo(1);
            assertThat(d.lastError()).startsWith("not called: 127.0.0.1").contains("loopback");
        });
        assertThat(requests).as("the receiver never heard of it").isEmpty();

        outbox.close();
        startHook("{ type = webhook, url = \"http://169.254.169.254/latest/meta-data/\", timeout = 2s }");
        commit("e2");
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 2);
        assertThat(store.deliveries(Delivery.Status.FAILED, "hook", 0, 10)).anySatisfy(d -> assertThat(d.lastError())
                .startsWith("not called: 169.254.169.254").contains("cloud metadata address"));
    }

    @Test
    void aTooManyRequestsAnswerIsHonouredForItsRetryAfter() {
        answer = () -> requests.isEmpty() ? 429 : 200;
        retryAfter = "1";
        commit("e1");
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
        assertThat(requests).hasSize(2);
        long waited = Long.parseLong(requests.get(1)[2]) - Long.parseLong(requests.get(0)[2]);
        assertThat(waited).as("ms between the 429 and the next attempt").isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void aNotFoundIsNotRetriedAndFailsWithItsStatus() {
        answer = () -> 404;
        commit("e1");
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 1);
        assertThat(store.deliveries(Delivery.Status.FAILED, "hook", 0, 10)).singleElement()
                .satisfies(d -> {
                    assertThat(d.attempts()).isEqualTo(1);
                    assertThat(d.lastError()).startsWith("HTTP 404 from POST http://127.0.0.1:").endsWith(": no");
                });
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> requests.size() == 1);
        assertThat(store.deadLetters(0, Long.MAX_VALUE, "action:hook", "action-failed", Long.MAX_VALUE, 10))
                .hasSize(1);
    }

    @Test
    void aRefusalWithAHugeBodyKeepsOnlyItsBeginning() {
        answer = () -> 400;
        errorBody = "x".repeat(8 << 20).getBytes(StandardCharsets.UTF_8);
        commit("e1");
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 1);
        assertThat(store.deliveries(Delivery.Status.FAILED, "hook", 0, 10)).singleElement()
                .satisfies(d -> assertThat(d.lastError()).startsWith("HTTP 400 from POST").endsWith("x…")
                        .hasSizeLessThan(300));
    }

    @Test
    void aSignedCallVerifiesAsStandardWebhooksSayAndAPresetShapesIt() throws Exception {
        String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
                .getBytes(StandardCharsets.UTF_8));
        commit("e1");
        start(secret);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
        String id = lastHeaders.getFirst("webhook-id");
        String timestamp = lastHeaders.getFirst("webhook-timestamp");
        assertThat(id).isEqualTo("e1:firing:1000:hook").isEqualTo(lastHeaders.getFirst("Idempotency-Key"));
        assertThat(Math.abs(Long.parseLong(timestamp) - System.currentTimeMillis() / 1000)).isLessThan(60);
        // The receiver's side of the specification, written out here rather than taken from the code under test.
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(secret.substring(6)),
                "HmacSHA256"));
        byte[] signed = mac.doFinal((id + "." + timestamp + "." + new String(lastBody, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
        assertThat(lastHeaders.getFirst("webhook-signature"))
                .isEqualTo("v1," + java.util.Base64.getEncoder().encodeToString(signed));
        assertThat(new String(lastBody, StandardCharsets.UTF_8)).startsWith("[FIRING] freezer-warm on freezer-1 t");
        assertThat(lastHeaders.getFirst("Title")).isEqualTo("sensorflow: freezer-warm firing");
        assertThat(lastHeaders.getFirst("Content-Type")).startsWith("text/plain");
    }
}
