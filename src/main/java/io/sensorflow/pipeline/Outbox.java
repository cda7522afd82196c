package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.action.RateLimit;
import io.sensorflow.store.Delivery;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Delivers what the store's outbox holds: the deliveries each alert transition requires, committed in the same
 * transaction as the transition. A crash between that commit and an action therefore means the action runs after
 * the restart, not that it is lost; a failed attempt is tried again with backoff until it succeeds or is given up
 * ({@link PipelineConfig.ActionRetry}).
 *
 * <p>One thread of its own decides what to run and records how it went, so no two attempts of one delivery ever
 * overlap; the actions themselves run asynchronously, at most {@code parallelism} at once. Deliveries of one alert to
 * one action go out one at a time and in commit order, so a {@code resolved} never overtakes its {@code firing}, even
 * while the firing waits for a retry. The pipeline {@link #nudge nudges} it after each commit with transitions; a
 * timer does too, for retries that came due.
 *
 * <p>At least once: an attempt that succeeded just before a crash, before it was marked done, runs again after the
 * restart. Each carries its {@link Delivery#idempotencyKey() idempotency key}, so a receiver can drop the repeat.
 */
final class Outbox implements AutoCloseable {

    private final ReadingStore store;
    private final ActionRunner runner;
    private final Supplier<Map<String, Action>> actions;
    private final PipelineConfig.ActionRetry retry;
    private final int parallelism;
    private final Clock clock;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(Outbox.class));
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "sensorflow-outbox");
        thread.setDaemon(true);
        return thread;
    });
    private static final long ROUND_GAP_MS = 5;
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    /** When the last round started (System.nanoTime); written by the worker, read by whoever nudges. */
    private volatile long lastRoundNanos = System.nanoTime() - 1_000_000_000L;
    /** The alert-and-action pairs with an attempt running, and the deliveries; only the worker touches them. */
    private final Set<String> running = new HashSet<>();
    private final Set<Long> runningIds = new HashSet<>();
    /** Attempts that ended, for the worker to record together at its next round. */
    private final java.util.Queue<Finished> finished = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Attempts running per action; only the worker touches it. A half-open breaker lets one through. */
    private final Map<String, Integer> runningPerAction = new java.util.HashMap<>();
    private final ActionBreakers breakers;
    private final Metrics metrics;
    /** Each action's own limits, and the buckets of those with a max-rate; only the worker touches them. */
    private Map<String, ActionLimits> limits = Map.of();
    private final Map<String, RateLimit.Bucket> paces = new java.util.HashMap<>();
    /** When a round for a paced action is scheduled already; only the worker touches it. */
    private long pacedRoundAt = Long.MIN_VALUE;
    private volatile boolean closed;
    private volatile int lastPending;
    /** The actions with pending deliveries, listed at most every ten seconds; only the worker touches them. */
    private Set<String> pendingActions = Set.of();
    private long lastListed = Long.MIN_VALUE / 2;
    /** When the pending deliveries were last counted; only the worker touches it. */
    private long lastCounted = Long.MIN_VALUE / 2;
    private volatile int lastRunning;

    Outbox(ReadingStore store, ActionRunner runner, Supplier<Map<String, Action>> actions,
           PipelineConfig.ActionRetry retry, int parallelism, Clock clock, Metrics metrics, ActionBreakers breakers) {
        this.breakers = breakers;
        this.store = store;
        this.runner = runner;
        this.actions = actions;
        this.retry = retry;
        this.parallelism = parallelism;
        this.clock = clock;
        this.metrics = metrics;
        metrics.outbox(() -> lastPending, () -> lastRunning);
    }

    /**
     * Takes the actions' own limits, at start and after a reload. The max-rate buckets of actions whose max-rate did
     * not change keep their tokens, so a reload is no way around a pace.
     */
    void limits(Map<String, ActionLimits> newLimits) {
        Map<String, ActionLimits> copy = Map.copyOf(newLimits);
        runOnWorker(() -> {
            Map<String, ActionLimits> old = limits;
            limits = copy;
            paces.keySet().removeIf(name -> !copy.containsKey(name) || !old.containsKey(name)
                    || !copy.get(name).maxRate().equals(old.get(name).maxRate()));
            copy.forEach((name, limit) -> limit.maxRate().ifPresent(rate -> paces.computeIfAbsent(name,
                    n -> rate.bucket())));
        });
    }

    /** Attempts of {@code action} that may start now, of {@code free} slots of the outbox, by its max-concurrency. */
    private int freeSlots(String action, int free) {
        ActionLimits limit = limits.get(action);
        if (limit == null || limit.maxConcurrency() <= 0) {
            return free;
        }
        return Math.min(free, limit.maxConcurrency() - runningPerAction.getOrDefault(action, 0));
    }

    /**
     * Whether the action's own limits let another attempt start now: fewer than its max-concurrency running, a token
     * in its max-rate bucket. When the pace holds it back, a round is scheduled for when a token is there.
     */
    private boolean withinLimits(String action, long now) {
        ActionLimits limit = limits.get(action);
        if (limit == null) {
            return true;
        }
        if (freeSlots(action, Integer.MAX_VALUE) <= 0) {
            return false;
        }
        RateLimit.Bucket pace = paces.get(action);
        long wait = pace == null ? 0 : pace.waitMillis(now);
        if (wait > 0 && (pacedRoundAt <= now || pacedRoundAt > now + wait)) {
            pacedRoundAt = now + wait;
            worker.schedule(this::nudge, wait, TimeUnit.MILLISECONDS);
        }
        return wait == 0;
    }

    /**
     * The actions an attempt may start of now: those of the config and those with pending deliveries (a reload may
     * have removed one; its deliveries fail), except where a breaker is open or the action's own limits hold it back.
     */
    private Set<String> allowed(long now) {
        if (now - lastListed >= 10_000) {
            // Once in ten seconds: a reload's removals are rare, and listing walks the pending deliveries.
            pendingActions = Set.copyOf(store.pendingDeliveryActions());
            lastListed = now;
        }
        Set<String> allowed = new HashSet<>(actions.get().keySet());
        allowed.addAll(pendingActions);
        allowed.removeAll(breakers.refusing(runningPerAction));
        allowed.removeIf(action -> !withinLimits(action, now));
        return allowed;
    }

    /** Starts delivering, first what an earlier run left pending. */
    void start() {
        long every = Math.max(50, Math.min(1000, retry.firstBackoff().toMillis() / 2));
        worker.scheduleWithFixedDelay(this::nudge, 0, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Something may be due: a round runs soon, once however often this is called meanwhile, and at most one per
     * {@link #ROUND_GAP_MS}: at 1,000 deliveries a second a round per ended attempt cost a transaction and a query
     * each, and together they are a few.
     */
    void nudge() {
        if (!closed && roundQueued.compareAndSet(false, true)) {
            try {
                long wait = lastRoundNanos + ROUND_GAP_MS * 1_000_000 - System.nanoTime();
                if (wait <= 0) {
                    worker.execute(this::round);
                } else {
                    worker.schedule(this::round, wait, TimeUnit.NANOSECONDS);
                }
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                roundQueued.set(false);
            }
        }
    }

    private void round() {
        roundQueued.set(false);
        if (closed) {
            return;
        }
        lastRoundNanos = System.nanoTime();
        recordFinished();
        if (running.size() >= parallelism) {
            return;
        }
        List<Delivery> due;
        long now;
        try {
            // Twice the slots an attempt could start in: each attempt that ends brings another round. The slots
            // are the most any allowed action has free, not the outbox's: with one action one short of its
            // max-concurrency, reading (and decoding) rows for all 64 free slots to start one was 70 % of what the
            // daemon allocated at 640 alerts/s, round after round, and the outbox fell 20 s behind.
            now = clock.millis();
            Set<String> allowed = allowed(now);
            int free = parallelism - running.size();
            int slots = allowed.stream().mapToInt(action -> freeSlots(action, free)).max().orElse(0);
            due = slots <= 0 ? List.of() : store.dueDeliveries(now, 2 * slots, allowed, runningIds);
            if (now - lastCounted >= 1000) {
                // For the gauge only: not a second query on every round, which runs after every commit with alerts.
                lastPending = (int) Math.min(Integer.MAX_VALUE, store.countDeliveries(Delivery.Status.PENDING));
                lastCounted = now;
            }
        } catch (RuntimeException e) {
            // The store is away: the timer brings the next round.
            log.warn("outbox-read", "could not read the outbox: {}", e.getMessage());
            return;
        }
        for (Delivery delivery : due) {
            if (running.contains(delivery.orderKey()) || !breakers.allows(delivery.action(),
                    runningPerAction.getOrDefault(delivery.action(), 0)) || !withinLimits(delivery.action(), now)) {
                // Its alert has an attempt running, or its breaker or its own limits hold it back since the query.
                continue;
            }
            RateLimit.Bucket pace = paces.get(delivery.action());
            if (pace != null) {
                pace.tryAcquire(now);
            }
            start(delivery);
            if (running.size() >= parallelism) {
                return;
            }
        }
    }

    private void start(Delivery delivery) {
        running.add(delivery.orderKey());
        runningIds.add(delivery.id());
        runningPerAction.merge(delivery.action(), 1, Integer::sum);
        lastRunning = running.size();
        Action action = actions.get().get(delivery.action());
        CompletionStage<ActionRunner.Outcome> attempt;
        if (action == null) {
            // Removed by a reload since the transition was committed: nothing is left to run it with.
            attempt = CompletableFuture.completedFuture(new ActionRunner.Outcome(ActionRunner.Outcome.Kind.FAILED,
                    "action " + delivery.action() + " is no longer in the config", true, 0));
        } else {
            try {
                attempt = breakers.call(action.name(), () -> runner.attempt(action, delivery.event(),
                        delivery.idempotencyKey(), delivery.attempts() == 0));
            } catch (RuntimeException e) {
                attempt = CompletableFuture.failedFuture(e);
            }
        }
        attempt.whenComplete((outcome, error) -> {
            finished.add(new Finished(delivery, error == null ? outcome : ActionRunner.Outcome.failed(error)));
            nudge();
        });
    }

    private void runOnWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // Closed meanwhile.
        }
    }

    /** An attempt that ended and how. */
    private record Finished(Delivery delivery, ActionRunner.Outcome outcome) {
    }

    /**
     * Records every attempt that ended since the last round in one transaction, and only then frees their alerts'
     * turn: the next delivery of an alert starts after its predecessor is recorded done.
     */
    private void recordFinished() {
        List<Finished> ended = new java.util.ArrayList<>();
        Finished f;
        while ((f = finished.poll()) != null) {
            ended.add(f);
        }
        if (ended.isEmpty()) {
            return;
        }
        long now = clock.millis();
        List<Delivery.Update> updates = new java.util.ArrayList<>(ended.size());
        for (Finished end : ended) {
            Delivery.Update update = update(end.delivery(), end.outcome(), now);
            if (update != null) {
                updates.add(update);
            }
        }
        try {
            store.updateDeliveries(updates);
            for (Finished end : ended) {
                reportOutcome(end.delivery(), end.outcome(), now);
            }
        } catch (RuntimeException e) {
            // Not recorded: the deliveries stay pending as they were and are attempted again, which a receiver drops
            // by its idempotency key if an attempt had reached it.
            log.warn("outbox-write", "could not record {} deliveries: {}", updates.size(), e.getMessage());
        } finally {
            for (Finished end : ended) {
                Delivery delivery = end.delivery();
                running.remove(delivery.orderKey());
                runningIds.remove(delivery.id());
                runningPerAction.merge(delivery.action(), -1, (a, b) -> a + b == 0 ? null : a + b);
            }
            lastRunning = running.size();
        }
    }

    /** What an attempt's outcome makes of its delivery; null when nothing happened (a breaker let none start). */
    private Delivery.Update update(Delivery delivery, ActionRunner.Outcome outcome, long now) {
        int attempts = delivery.attempts() + 1;
        if (outcome.kind() == ActionRunner.Outcome.Kind.NOT_TRIED) {
            return null;
        }
        if (outcome.kind() != ActionRunner.Outcome.Kind.FAILED) {
            return Delivery.Update.done(delivery.id(), attempts, now);
        }
        if (givenUp(delivery, outcome, attempts, now)) {
            return Delivery.Update.failed(delivery.id(), attempts, now, outcome.detail());
        }
        // The target's Retry-After is the least wait; the backoff may ask for more.
        long wait = Math.max(outcome.retryAfter(),
                retry.backoffMillis(attempts, ThreadLocalRandom.current().nextDouble()));
        return Delivery.Update.retry(delivery.id(), attempts, now + wait, outcome.detail());
    }

    private boolean givenUp(Delivery delivery, ActionRunner.Outcome outcome, int attempts, long now) {
        return outcome.permanent() || attempts >= retry.maxAttempts()
                || now - delivery.createdAt() >= retry.maxAge().toMillis();
    }

    /** Once recorded: the metrics, the log and the dead letter of a delivery given up. */
    private void reportOutcome(Delivery delivery, ActionRunner.Outcome outcome, long now) {
        int attempts = delivery.attempts() + 1;
        switch (outcome.kind()) {
            case OK -> metrics.actionDelivery(delivery.action())
                    .observe(Math.max(0, now - delivery.event().emittedAt()) / 1000.0);
            case FAILED -> {
                if (givenUp(delivery, outcome, attempts, now)) {
                    runner.failed(delivery.action(), delivery.event(), attempts, outcome.detail());
                } else {
                    runner.retrying(delivery.action(), delivery.event(), attempts, outcome.detail());
                }
            }
            default -> {
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdown();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.shutdownNow();
    }
}
