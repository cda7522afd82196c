package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.action.RateLimit;
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

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The outbox against a real SQLite store: retries, order per alert, giving up, and what a restart finds pending. */
class OutboxTest {

    private static final PipelineConfig.ActionRetry RETRY = new PipelineConfig.ActionRetry(3, Duration.ofMillis(20),
            Duration.ofMillis(40), Duration.ofHours(1));

    @TempDir
    Path dir;
    private SqliteStore store;
    private ExecutorService blocking;
    private org.apache.pekko.actor.ActorSystem system;
    private Outbox outbox;
    /** What the test action was asked to do, as "state attempt-outcome". */
    private final Queue<String> calls = new ConcurrentLinkedQueue<>();
    /** The test action's own limits. */
    private ActionLimits limits = ActionLimits.NONE;

    @BeforeEach
    void open() {
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("outbox.db").toString()));
        blocking = Executors.newFixedThreadPool(2);
        system = org.apache.pekko.actor.ActorSystem.create("outbox-test");
    }

    @AfterEach
    void close() {
        if (outbox != null) {
            outbox.close();
        }
        blocking.shutdownNow();
        store.close();
        system.terminate();
    }

    private static AlertEvent event(String episode, AlertState state, long t) {
        // One sensor per episode: each is an alert of its own, whose deliveries may run side by side.
        return new AlertEvent(episode, "hot", "s-" + episode, "t", "", state, "warning", 31, t, 0, t, Map.of(),
                Map.of(), false, List.of("notify"), null);
    }

    /** Fails its first {@code failures} calls, then succeeds. */
    private Action action(int failures) {
        AtomicInteger count = new AtomicInteger();
        return new Action() {
            @Override
            public String name() {
                return "notify";
            }

            @Override
            public CompletionStage<Void> execute(AlertEvent event) {
                boolean fail = count.incrementAndGet() <= failures;
                calls.add(event.state().label() + " " + (fail ? "failed" : "ok"));
                return fail ? CompletableFuture.failedFuture(new IllegalStateException("receiver away"))
                        : CompletableFuture.completedFuture(null);
            }
        };
    }

    private void start(Action action) {
        start(action, new PipelineConfig.ActionBreaker(100, Duration.ofSeconds(30)));
    }

    private void start(Action action, PipelineConfig.ActionBreaker breaker) {
        Metrics metrics = new Metrics();
        ActionRunner runner = new ActionRunner(store, metrics, Clock.systemUTC(), blocking, Map.of());
        outbox = new Outbox(store, runner, () -> Map.of("notify", action), RETRY, 4, Clock.systemUTC(), metrics,
                new ActionBreakers(system.scheduler(), breaker, metrics));
        outbox.limits(Map.of("notify", limits));
        outbox.start();
    }

    /** An action that takes {@code millis} per call and records how many calls ran at once, and when each started. */
    private Action slow(long millis, AtomicInteger running, AtomicInteger most, Queue<Long> starts) {
        return new Action() {
            @Override
            public String name() {
                return "notify";
            }

            @Override
            public CompletionStage<Void> execute(AlertEvent event) {
                starts.add(System.currentTimeMillis());
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                return CompletableFuture.runAsync(() -> running.decrementAndGet(),
                        CompletableFuture.delayedExecutor(millis, java.util.concurrent.TimeUnit.MILLISECONDS));
            }
        };
    }

    private void commit(AlertEvent... events) {
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(events)));
    }

    @Test
    void aFailedDeliveryIsTriedAgainAndAResolvedWaitsBehindItsFiring() {
        commit(event("e1", AlertState.FIRING, 1_000));
        commit(event("e1", AlertState.RESOLVED, 2_000));
        start(action(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 2);
        assertThat(calls).containsExactly("firing failed", "firing failed", "firing ok", "resolved ok");
        assertThat(store.deliveries(Delivery.Status.DONE, null, 0, 10)).extracting(Delivery::attempts)
                .containsExactly(3, 1);
    }

    @Test
    void aDeliveryOfAnActionAReloadRemovedFailsAtOnceAndTheOthersGoOn() {
        AlertEvent gone = new AlertEvent("g1", "hot", "s-g1", "t", "", AlertState.FIRING, "warning", 31, 1_000, 0,
                1_000, Map.of(), Map.of(), false, List.of("pager"), null);
        commit(gone, event("e1", AlertState.FIRING, 1_000));
        start(action(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 1
                && store.countDeliveries(Delivery.Status.DONE) == 1);
        assertThat(store.deliveries(Delivery.Status.FAILED, "pager", 0, 10)).singleElement()
                .satisfies(d -> assertThat(d.lastError()).isEqualTo("action pager is no longer in the config"));
    }

    @Test
    void maxConcurrencyBoundsTheAttemptsOfOneActionRunningAtOnce() {
        for (int i = 0; i < 12; i++) {
            commit(event("c" + i, AlertState.FIRING, 1_000));
        }
        AtomicInteger most = new AtomicInteger();
        limits = new ActionLimits(Optional.empty(), 2, Optional.empty());
        start(slow(50, new AtomicInteger(), most, new ConcurrentLinkedQueue<>()));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 12);
        assertThat(most.get()).as("at most max-concurrency at once, of action-parallelism 4").isEqualTo(2);
    }

    @Test
    void maxRatePacesAttemptsAndSkipsNone() {
        for (int i = 0; i < 6; i++) {
            commit(event("r" + i, AlertState.FIRING, 1_000));
        }
        Queue<Long> starts = new ConcurrentLinkedQueue<>();
        limits = new ActionLimits(Optional.empty(), 0, Optional.of(new RateLimit(2, Duration.ofMillis(500))));
        start(slow(1, new AtomicInteger(), new AtomicInteger(), starts));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 6);
        List<Long> at = List.copyOf(starts);
        // A burst of 2, then one every 250 ms: the sixth starts about a second after the first.
        assertThat(at).hasSize(6);
        assertThat(at.get(5) - at.get(0)).as("paced, not all at once").isBetween(900L, 3_000L);
        assertThat(store.countDeliveries(Delivery.Status.FAILED)).isZero();
    }

    @Test
    void aTransitionCommittedTwiceIsDeliveredOnceWithAKeyForEveryAttempt() {
        AlertEvent firing = event("e2", AlertState.FIRING, 1_000);
        commit(firing);
        commit(firing);
        assertThat(store.countDeliveries(Delivery.Status.PENDING)).isEqualTo(1);
        assertThat(store.deliveries(Delivery.Status.PENDING, null, 0, 10)).singleElement()
                .extracting(Delivery::idempotencyKey).isEqualTo("e2:firing:1000:notify");
        start(action(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
        assertThat(calls).containsExactly("firing ok");
    }

    @Test
    void aDeliveryOutOfAttemptsFailsIsDeadLetteredAndCanBeRetriedByHand() {
        commit(event("e3", AlertState.FIRING, 1_000));
        start(action(Integer.MAX_VALUE));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.FAILED) == 1);
        Delivery failed = store.deliveries(Delivery.Status.FAILED, "notify", 0, 10).get(0);
        assertThat(failed.attempts()).isEqualTo(3);
        assertThat(failed.lastError()).contains("receiver away");
        await().atMost(Duration.ofSeconds(5)).until(() -> !store.deadLetters(0, Long.MAX_VALUE, "action:notify",
                "action-failed", Long.MAX_VALUE, 10).isEmpty());
        assertThat(calls).hasSize(3);

        assertThat(store.retryDelivery(failed.id(), System.currentTimeMillis())).isTrue();
        assertThat(store.retryDelivery(failed.id(), System.currentTimeMillis())).as("already pending").isFalse();
        outbox.nudge();
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() > 3);
    }

    @Test
    void whatAnEarlierRunLeftPendingGoesOutAtStart() {
        commit(event("e4", AlertState.FIRING, 1_000));
        store.close();
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("outbox.db").toString()));
        start(action(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
        assertThat(calls).containsExactly("firing ok");
    }

    @Test
    void aTargetThatKeepsFailingTripsTheBreakerAndItsDeliveriesWaitWithoutUsingUpAttempts() {
        for (int i = 0; i < 3; i++) {
            commit(event("b" + i, AlertState.FIRING, 1_000));
        }
        Metrics metrics = new Metrics();
        ActionBreakers breakers = new ActionBreakers(system.scheduler(),
                new PipelineConfig.ActionBreaker(3, Duration.ofSeconds(2)), metrics);
        outbox = new Outbox(store, new ActionRunner(store, metrics, Clock.systemUTC(), blocking, Map.of()),
                () -> Map.of("notify", action(Integer.MAX_VALUE)), RETRY, 4, Clock.systemUTC(), metrics, breakers);
        outbox.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> !breakers.degraded().isEmpty());
        // Without the breaker the 20 ms backoff would use up all three attempts of each within this time.
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(1)).until(() -> calls.size() == 3);
        assertThat(store.countDeliveries(Delivery.Status.FAILED)).isZero();
        assertThat(breakers.degraded()).singleElement().satisfies(r -> {
            assertThat(r.component()).isEqualTo("action notify");
            assertThat(r.detail()).startsWith("circuit breaker open after 3 failed attempts in a row");
        });
        // After reset-timeout one trial goes through; it fails, and the breaker opens again.
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 4);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> calls.size() == 4);
    }

    @Test
    void aTargetThatIsDownDoesNotHoldUpTheOthersHoweverManyDeliveriesItHas() {
        for (int i = 0; i < 12; i++) {
            commit(event("down-" + i, AlertState.FIRING, 1_000));
        }
        AlertEvent other = new AlertEvent("up-1", "hot", "s1", "t", "", AlertState.FIRING, "warning", 31, 1_000, 0,
                1_000, Map.of(), Map.of(), false, List.of("other"), null);
        commit(other);
        Metrics metrics = new Metrics();
        ActionBreakers breakers = new ActionBreakers(system.scheduler(),
                new PipelineConfig.ActionBreaker(2, Duration.ofSeconds(30)), metrics);
        Queue<String> delivered = new ConcurrentLinkedQueue<>();
        Action ok = new Action() {
            @Override
            public String name() {
                return "other";
            }

            @Override
            public CompletionStage<Void> execute(AlertEvent event) {
                delivered.add(event.id());
                return CompletableFuture.completedFuture(null);
            }
        };
        outbox = new Outbox(store, new ActionRunner(store, metrics, Clock.systemUTC(), blocking, Map.of()),
                () -> Map.of("notify", action(Integer.MAX_VALUE), "other", ok), RETRY, 4, Clock.systemUTC(), metrics,
                breakers);
        outbox.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> delivered.contains("up-1"));
        assertThat(breakers.degraded()).extracting(r -> r.component()).containsExactly("action notify");
    }
}
