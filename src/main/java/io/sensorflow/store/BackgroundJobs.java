package io.sensorflow.store;

import io.sensorflow.telemetry.Readiness;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A store's periodic jobs, each run through {@link BackgroundJob}, on named daemon threads that several jobs may
 * share; what they report for readiness and metrics.
 */
public final class BackgroundJobs {

    private final Map<String, ScheduledExecutorService> threads = new LinkedHashMap<>();
    private final List<BackgroundJob> jobs = new CopyOnWriteArrayList<>();

    /** Runs {@code task} on {@code thread} after {@code initialDelay}, then {@code period} after each run ends. */
    public synchronized BackgroundJob every(String name, String thread, Duration initialDelay, Duration period,
                                           BackgroundJob.Task task) {
        BackgroundJob job = new BackgroundJob(name, task);
        threads.computeIfAbsent(thread, BackgroundJobs::thread)
                .scheduleWithFixedDelay(job, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        jobs.add(job);
        return job;
    }

    private static ScheduledExecutorService thread(String name) {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Stops the jobs of one thread, interrupting a running one and waiting up to {@code wait} for it to end. */
    public void stop(String thread, Duration wait) {
        ScheduledExecutorService executor;
        synchronized (this) {
            executor = threads.get(thread);
        }
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops every job without waiting: the caller may hold a lock that a running job is waiting for, and a job
     * that is still running finds the store closed.
     */
    public synchronized void stopAll() {
        threads.values().forEach(ScheduledExecutorService::shutdownNow);
    }

    /** A not-ready entry for each job that keeps failing; empty while they all work. */
    public List<Readiness> readiness() {
        return jobs.stream().map(BackgroundJob::readiness).filter(r -> !r.ready()).toList();
    }

    /** Every job's failures so far, by name. */
    public Map<String, Long> failures() {
        Map<String, Long> failures = new LinkedHashMap<>();
        jobs.forEach(job -> failures.put(job.name(), job.failures()));
        return failures;
    }
}
