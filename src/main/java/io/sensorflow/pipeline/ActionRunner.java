package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.RateLimit;
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
import java.util.Map;
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
    private volatile Map<String, RateLimit> limits;
    /** Buckets are used only by the actions stage; a reload (from the rules stage) adds and removes entries. */
    private final Map<String, RateLimit.Bucket> buckets = new java.util.concurrent.ConcurrentHashMap<>();
    /** Episodes whose firing run a rate limit skipped, per action; bounded, oldest forgotten first. */
    private final Map<String, Boolean> skippedEpisodes = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 100_000;
        }
    };

    ActionRunner(ReadingStore store, Metrics metrics, Clock clock, Executor blocking, Map<String, RateLimit> limits) {
        this.limits = Map.copyOf(limits);
        limits.forEach((name, limit) -> buckets.put(name, limit.bucket()));
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.blocking = blocking;
    }

    /**
     * Takes the rate limits of a reloaded action set. Buckets of actions whose limit did not change keep their
     * tokens, so a reload is no way around a limit.
     */
    void limits(Map<String, RateLimit> newLimits) {
        Map<String, RateLimit> old = limits;
        limits = Map.copyOf(newLimits);
        buckets.keySet().removeIf(name -> !newLimits.containsKey(name) || !newLimits.get(name).equals(old.get(name)));
        newLimits.forEach((name, limit) -> buckets.computeIfAbsent(name, n -> limit.bucket()));
    }

    /** Skips an execution past the action's rate limit: counted, logged without flooding, kept as a dead letter. */
    CompletionStage<Done> run(Action action, AlertEvent event) {
        RateLimit.Bucket bucket = buckets.get(action.name());
        // A resolved run follows its episode's firing run: skipped with it, never skipped alone, so a rate limit
        // never leaves an actuator switched on (or sends "off" without "on").
        boolean limited;
        String episode = bucket == null ? null : action.name() + '\u0000' + event.id();
        if (bucket == null) {
            limited = false;
        } else if (event.state() == io.sensorflow.model.AlertState.RESOLVED) {
            limited = skippedEpisodes.remove(episode) != null;
        } else {
            limited = !bucket.tryAcquire(clock.millis());
            if (limited && !event.repeat()) {
                skippedEpisodes.put(episode, Boolean.TRUE);
            }
        }
        if (limited) {
            metrics.actions(action.name(), "rate-limited").inc();
            log.warn("rate-limit/" + action.name(), "action {} is over its rate limit ({}); skipped it for rule {} "
                    + "({}), kept as a dead letter", action.name(), limits.get(action.name()), event.rule(),
                    event.state().label());
            return deadLetter(action, event, "rate-limited", "over the action's rate limit of "
                    + limits.get(action.name()));
        }
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
        return deadLetter(action, event, "action-failed", detail);
    }

    private CompletionStage<Done> deadLetter(Action action, AlertEvent event, String reason, String detail) {
        DeadLetter letter = new DeadLetter("action:" + action.name(), event.sensor() + "/" + event.metric(),
                reason, detail, io.sensorflow.action.Template.json(event).getBytes(StandardCharsets.UTF_8),
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
