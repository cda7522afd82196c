package io.sensorflow.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.Silences;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.Http;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The API's own query threads: bounded, and a query beyond the bound is refused at once with 503 and Retry-After. */
class QueryPoolTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ActorSystem system;
    private ReadingStore store;
    private HttpApi api;
    private ServerBinding binding;
    private Metrics metrics;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        system = ActorSystem.create("query-pool-test");
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("q.db").toString()));
        metrics = new Metrics();
        RuleSet rules = new RuleSet() {
            @Override
            public List<Rule> rules() {
                return List.of();
            }

            @Override
            public CompletionStage<Reload> reload() {
                return CompletableFuture.completedFuture(Reload.failed(List.of()));
            }
        };
        HttpConfig config = new HttpConfig("127.0.0.1", 0, new HttpConfig.Queries(1, 1), AuthConfig.OPEN,
                HttpConfig.Limits.DEFAULTS, HttpConfig.Stream.DEFAULTS);
        api = new HttpApi(config, store, List.of(),
                new AlertBoard(), new Silences(), new Acknowledgements(), rules,
                new io.sensorflow.pipeline.LiveFeed(metrics, java.time.Duration.ofMillis(500), 10_000), metrics,
                List::of, java.util.Optional.empty());
        binding = api.bind(system, "127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        api.close();
        store.close();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aQueryBeyondTheThreadsAndTheWaitingRoomIsAnswered503WithRetryAfter() throws Exception {
        int port = binding.localAddress().getPort();
        assertThat(Http.get(port, "/api/v1/dead-letters").status()).isEqualTo(200);

        // One query runs (the only thread), one waits (max-waiting = 1): the next has no room.
        // (The second only once the first runs: the thread may still be finishing the query above.)
        api.queryPool().run(this::blockUntilReleased);
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> api.queryPool().running() == 1);
        assertThat(api.queryPool().run(this::blockUntilReleased).toCompletableFuture().isCompletedExceptionally())
                .isFalse();
        assertThat(api.queryPool().waiting()).isEqualTo(1);

        Http.Response busy = Http.get(port, "/api/v1/dead-letters");
        assertThat(busy.status()).as(busy.body()).isEqualTo(503);
        assertThat(busy.header("Retry-After")).isEqualTo("1");
        assertThat(JSON.readTree(busy.body()).path("message").asText()).contains("query threads are busy");
        assertThat(metrics.queriesRejected().get()).isEqualTo(1.0);
        String scraped = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(scraped).contains("sensorflow_http_queries_rejected_total 1.0")
                .contains("sensorflow_http_queries_running 1.0").contains("sensorflow_http_queries_waiting 1.0");

        // Health and metrics never wait for a query thread.
        assertThat(Http.get(port, "/health/live").status()).isEqualTo(200);
        assertThat(Http.get(port, "/metrics").status()).isEqualTo(200);

        release.countDown();
        await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(Http.get(port, "/api/v1/dead-letters").status()).isEqualTo(200));
    }

    private Object blockUntilReleased() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "released";
    }
}
