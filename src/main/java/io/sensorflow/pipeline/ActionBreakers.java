package io.sensorflow.pipeline;

import io.sensorflow.telemetry.Failures;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.CircuitBreakerOpenException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One Pekko {@link CircuitBreaker} per action, so a target that is down is not hammered by every delivery queued
 * for it. Only failures that a retry may cure count (no answer, 5xx, 429): a 404 means the target answers. After
 * {@code max-failures} of them in a row the breaker opens: the outbox starts no attempt of that action, its deliveries
 * wait without using up their attempts, and the other actions go on. After {@code reset-timeout} one attempt is let
 * through; its success closes the breaker, its failure opens it again.
 */
public final class ActionBreakers {

    /** The breaker's own call timeout: the actions time out themselves, so this is only a backstop. */
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(10);

    private final Scheduler scheduler;
    private final PipelineConfig.ActionBreaker config;
    private final Metrics metrics;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    public ActionBreakers(Scheduler scheduler, PipelineConfig.ActionBreaker config, Metrics metrics) {
        this.scheduler = scheduler;
        this.config = config;
        this.metrics = metrics;
        metrics.actionBreakers(() -> {
            Map<String, Double> open = new java.util.TreeMap<>();
            breakers.forEach((name, breaker) -> open.put(name, breaker.isClosed() ? 0.0 : 1.0));
            return open;
        });
    }

    private CircuitBreaker breaker(String action) {
        return breakers.computeIfAbsent(action, name -> {
            CircuitBreaker breaker = CircuitBreaker.create(scheduler, config.maxFailures(), CALL_TIMEOUT,
                    config.resetTimeout());
            breaker.addOnOpenListener(() -> metrics.actions(name, "breaker-opened").inc());
            return breaker;
        });
    }

    /**
     * Whether an attempt of {@code action} may start, with {@code running} of its attempts running: not while its
     * breaker is open, and only the one trial while it is half-open.
     */
    boolean allows(String action, int running) {
        CircuitBreaker breaker = breakers.get(action);
        return breaker == null || breaker.isClosed() || breaker.isHalfOpen() && running == 0;
    }

    /** The actions no attempt may start of now, given how many of each are running. */
    java.util.Set<String> refusing(Map<String, Integer> running) {
        java.util.Set<String> refusing = new java.util.TreeSet<>();
        breakers.keySet().forEach(action -> {
            if (!allows(action, running.getOrDefault(action, 0))) {
                refusing.add(action);
            }
        });
        return refusing;
    }

    /**
     * Runs {@code attempt} through the action's breaker. When the breaker refuses it (open, or half-open with its one
     * trial already running), the outcome is {@link ActionRunner.Outcome#NOT_TRIED}: no attempt was made.
     */
    CompletionStage<ActionRunner.Outcome> call(String action, Supplier<CompletionStage<ActionRunner.Outcome>> attempt) {
        return breaker(action).callWithCircuitBreakerCS(attempt::get,
                        (outcome, error) -> error.isPresent() || outcome.map(ActionBreakers::targetDown).orElse(true))
                .handle((outcome, error) -> {
                    if (error == null) {
                        return outcome;
                    }
                    Throwable cause = Failures.cause(error);
                    return cause instanceof CircuitBreakerOpenException ? ActionRunner.Outcome.NOT_TRIED
                            : ActionRunner.Outcome.failed(cause);
                });
    }

    private static boolean targetDown(ActionRunner.Outcome outcome) {
        return outcome.kind() == ActionRunner.Outcome.Kind.FAILED && !outcome.permanent();
    }

    /** The actions whose breaker is not closed, for {@code /health/ready} to show (they do not make it fail). */
    public List<Readiness> degraded() {
        List<Readiness> open = new ArrayList<>();
        breakers.forEach((name, breaker) -> {
            if (!breaker.isClosed()) {
                open.add(Readiness.notReady("action " + name, "circuit breaker " + (breaker.isHalfOpen()
                        ? "half-open: one attempt is trying the target" : "open after " + config.maxFailures()
                        + " failed attempts in a row; the next is let through within " + config.resetTimeout()
                        .toSeconds() + " s") + "; its deliveries wait"));
            }
        });
        return open;
    }
}
