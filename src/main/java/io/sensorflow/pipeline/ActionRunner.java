package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.Done;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Runs one action for one alert event. A failure is counted, logged without flooding and kept as a dead letter;
 * it never fails the stream.
 */
final class ActionRunner {

    private final ReadingStore store;
    private final Metrics metrics;
    private final Clock clock;
    private final Executor blocking;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(ActionRunner.class));

    ActionRunner(ReadingStore store, Metrics metrics, Clock clock, Executor blocking) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.blocking = blocking;
    }

    CompletionStage<Done> run(Action action, AlertEvent event) {
        CompletionStage<Void> execution;
        try {
            execution = action.execute(event);
        } catch (RuntimeException e) {
            execution = CompletableFuture.failedFuture(e);
        }
        return execution.handle((ok, error) -> {
            if (error == null) {
                metrics.actions(action.name(), "ok").inc();
                return CompletableFuture.completedFuture(Done.getInstance());
            }
            return failed(action, event, error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Done> failed(Action action, AlertEvent event, Throwable error) {
        metrics.actions(action.name(), "failed").inc();
        String detail = error instanceof java.util.concurrent.TimeoutException
                ? "no answer within the action timeout"
                : error.getClass().getSimpleName() + ": " + error.getMessage();
        log.warn("action/" + action.name(), "action {} failed for rule {} sensor {} ({}): {}; kept as a dead letter",
                action.name(), event.rule(), event.sensor(), event.state().label(), detail);
        DeadLetter letter = new DeadLetter("action:" + action.name(), event.sensor() + "/" + event.metric(),
                "action-failed", detail, io.sensorflow.action.Template.json(event).getBytes(StandardCharsets.UTF_8),
                clock.millis());
        return CompletableFuture.supplyAsync(() -> {
            try {
                store.write(List.of(), List.of(letter));
            } catch (RuntimeException e) {
                log.warn("action-dead-letter", "could not store the dead letter of action {}: {}", action.name(),
                        e.getMessage());
            }
            return Done.getInstance();
        }, blocking);
    }
}
