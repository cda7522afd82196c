package io.sensorflow.http;

import io.sensorflow.telemetry.Metrics;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that answer API queries: their own, bounded in threads and in waiting queries, so that a busy
 * dashboard neither queues without end nor takes a thread from the commits (which run on the blocking dispatcher).
 * A query beyond the bound fails with {@link Busy}, which the API answers 503 with {@code Retry-After}.
 */
final class QueryPool implements AutoCloseable {

    /** Every query thread is busy and {@code max-waiting} queries already wait. */
    static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private final ThreadPoolExecutor executor;
    private final Metrics metrics;
    private final String describe;

    QueryPool(HttpConfig.Queries config, Metrics metrics) {
        AtomicInteger number = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "sensorflow-query-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.executor = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.maxWaiting()), threads, new ThreadPoolExecutor.AbortPolicy());
        this.metrics = metrics;
        this.describe = "all " + config.threads() + " query threads are busy and " + config.maxWaiting()
                + " queries wait; try again shortly";
    }

    /** Runs {@code query} on a query thread, or fails at once with {@link Busy}. */
    <T> CompletionStage<T> run(Supplier<T> query) {
        long arrived = System.nanoTime();
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return query.get();
                } finally {
                    metrics.apiQuery(System.nanoTime() - arrived);
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            metrics.queriesRejected().inc();
            return CompletableFuture.failedFuture(new Busy(describe));
        }
    }

    int running() {
        return executor.getActiveCount();
    }

    int waiting() {
        return executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
