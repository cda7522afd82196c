package io.sensorflow.source.http;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A semaphore whose waiters are futures, not threads: {@code max-concurrency} of an http-poll source bounds the
 * requests in flight across all its URLs, and {@code max-per-host} those to one host, while each URL waits without
 * holding a thread. Waiters are served in order; each feed waits for at most one permit at a time, so a queue is
 * bounded by the number of feeds.
 */
final class AsyncPermits {

    private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int available;

    AsyncPermits(int permits) {
        this.available = permits;
    }

    CompletionStage<Void> acquire() {
        synchronized (this) {
            if (available > 0) {
                available--;
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            waiting.add(waiter);
            return waiter;
        }
    }

    void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                available++;
                return;
            }
        }
        // Completed outside the lock: the waiter's continuation runs here.
        next.complete(null);
    }
}
