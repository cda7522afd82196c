package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.RateLimit;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.rule.testing.ManualClock;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ActionRunnerTest {

    @TempDir
    Path dir;

    private static AlertEvent event(long t) {
        return new AlertEvent("id-" + t, "hot", "s1", "t", "", AlertState.FIRING, "warning", 31, t, t, t, Map.of(),
                Map.of(), false, List.of("fan"), null);
    }

    @Test
    void executionsPastTheRateLimitAreSkippedCountedAndKept() {
        Path db = dir.resolve("a.db");
        AtomicInteger executed = new AtomicInteger();
        Action fan = fan(event -> executed.incrementAndGet());
        Metrics metrics = new Metrics();
        ManualClock clock = new ManualClock(0);
        try (SqliteStore store = SqliteStore.open(StoreConfig.sqlite(db.toString()))) {
            ActionRunner runner = new ActionRunner(store, metrics, clock, Runnable::run,
                    Map.of("fan", new RateLimit(2, Duration.ofMinutes(1))));
            for (int i = 0; i < 5; i++) {
                clock.set(i * 1_000L);
                runner.attempt(fan, event(i * 1_000L), "key", true).toCompletableFuture().join();
            }
            assertThat(executed).hasValue(2);
            assertThat(metrics.actions("fan", "ok").get()).isEqualTo(2.0);
            assertThat(metrics.actions("fan", "rate-limited").get()).isEqualTo(3.0);
            assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'rate-limited' "
                    + "AND origin = 'action:fan'")).isEqualTo(3);
        }
    }

    @Test
    void aResolvedRunFollowsItsFiringRunThroughTheRateLimit() {
        Path db = dir.resolve("b.db");
        List<String> sent = new java.util.ArrayList<>();
        Action fan = fan(event -> sent.add(event.id() + " " + event.state().label()));
        ManualClock clock = new ManualClock(0);
        try (SqliteStore store = SqliteStore.open(StoreConfig.sqlite(db.toString()))) {
            ActionRunner runner = new ActionRunner(store, new Metrics(), clock, Runnable::run,
                    Map.of("fan", new RateLimit(1, Duration.ofHours(1))));
            runner.attempt(fan, transition("e1", AlertState.FIRING), "key", true).toCompletableFuture().join();
            runner.attempt(fan, transition("e2", AlertState.FIRING), "key", true).toCompletableFuture().join();
            runner.attempt(fan, transition("e1", AlertState.RESOLVED), "key", true).toCompletableFuture().join();
            runner.attempt(fan, transition("e2", AlertState.RESOLVED), "key", true).toCompletableFuture().join();
        }
        assertThat(sent).as("e1 on and off; e2 neither").containsExactly("e1 firing", "e1 resolved");
    }

    /** A real action that records what it is asked to do instead of switching a fan. */
    private static Action fan(java.util.function.Consumer<AlertEvent> record) {
        return new Action() {
            @Override
            public String name() {
                return "fan";
            }

            @Override
            public CompletionStage<Void> execute(AlertEvent event) {
                record.accept(event);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    private static AlertEvent transition(String id, AlertState state) {
        return new AlertEvent(id, "hot", "s1", "t", "", state, "warning", 31, 0, 0, 0, Map.of(), Map.of(), false,
                List.of("fan"), null);
    }
}
