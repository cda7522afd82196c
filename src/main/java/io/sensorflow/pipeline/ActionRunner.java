package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.RateLimit;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Failures;
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
 * Runs one attempt of one action for one alert event, for the {@link Outbox}: applies the action's rate limit, counts
 * the outcome, and keeps what is given up as a dead letter. Nothing here throws or fails a stream.
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

    /**
     * How one attempt ended.
     *
     * @param permanent  a failure that no retry can help (the delivery is given up at once)
     * @param retryAfter for a failure, the least wait its target asked for, in ms; 0 if none
     */
    record Outcome(Kind kind, String detail, boolean permanent, long retryAfter) {

        /** NOT_TRIED: the action's circuit breaker let no attempt start; nothing happened, nothing is recorded. */
        enum Kind { OK, RATE_LIMITED, FAILED, NOT_TRIED }

        static final Outcome OK = new Outcome(Kind.OK, null, false, 0);
        static final Outcome RATE_LIMITED = new Outcome(Kind.RATE_LIMITED, null, false, 0);
        static final Outcome NOT_TRIED = new Outcome(Kind.NOT_TRIED, null, false, 0);

        static Outcome failed(String detail) {
            return new Outcome(Kind.FAILED, detail, false, 0);
        }

        static Outcome failed(Throwable error) {
            if (error instanceof io.sensorflow.action.DeliveryFailure known) {
                return new Outcome(Kind.FAILED, known.getMessage(), known.permanent(),
                        known.retryAfter().map(java.time.Duration::toMillis).orElse(0L));
            }
            return failed(error instanceof java.util.concurrent.TimeoutException
                    ? "no answer within the action timeout"
                    : error.getClass().getSimpleName() + ": " + error.getMessage());
        }
    }

    /**
     * Runs one attempt of an action. A first attempt past the action's rate limit is skipped: counted, logged without
     * flooding, kept as a dead letter, and final; a later attempt of the same delivery had its turn already. A failure
     * is only reported: the outbox decides whether it is tried again.
     */
    CompletionStage<Outcome> attempt(Action action, AlertEvent event, String idempotencyKey, boolean first) {
        RateLimit.Bucket bucket = first ? buckets.get(action.name()) : null;
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
            return deadLetter(action.name(), event, "rate-limited", "over the action's rate limit of "
                    + limits.get(action.name())).thenApply(done -> Outcome.RATE_LIMITED);
        }
        CompletionStage<Void> execution;
        long started = System.nanoTime();
        try {
            execution = action.execute(event, idempotencyKey);
        } catch (RuntimeException e) {
            execution = CompletableFuture.failedFuture(e);
        }
        return execution.handle((ok, error) -> {
            metrics.actionAttempt(action.name()).observe((System.nanoTime() - started) / 1e9);
            if (error == null) {
                metrics.actions(action.name(), "ok").inc();
                return Outcome.OK;
            }
            return Outcome.failed(Failures.cause(error));
        });
    }

    /** An attempt failed and another follows later. */
    void retrying(String action, AlertEvent event, int attempts, String detail) {
        metrics.actions(action, "retried").inc();
        log.warn("action-retry/" + action, "action {} failed for rule {} sensor {} ({}), attempt {}: {}; trying "
                + "again", action, event.rule(), event.sensor(), event.state().label(), attempts, detail);
    }

    /** A delivery failed for good: counted, logged without flooding, kept as a dead letter. */
    CompletionStage<Done> failed(String action, AlertEvent event, int attempts, String detail) {
        metrics.actions(action, "failed").inc();
        log.warn("action/" + action, "action {} failed for rule {} sensor {} ({}) after {} attempts: {}; kept as a "
                + "dead letter", action, event.rule(), event.sensor(), event.state().label(), attempts, detail);
        return deadLetter(action, event, "action-failed", detail + " (after " + attempts + " attempts)");
    }

    private CompletionStage<Done> deadLetter(String action, AlertEvent event, String reason, String detail) {
        DeadLetter letter = new DeadLetter("action:" + action, event.sensor() + "/" + event.metric(),
                reason, detail, io.sensorflow.action.Template.json(event).getBytes(StandardCharsets.UTF_8),
                clock.millis());
        return CompletableFuture.supplyAsync(() -> {
            try {
                store.write(List.of(), List.of(letter));
            } catch (RuntimeException e) {
                log.warn("action-dead-letter", "could not store the dead letter of action {}: {}", action,
                        e.getMessage());
            }
            return Done.getInstance();
        }, blocking);
    }
}
