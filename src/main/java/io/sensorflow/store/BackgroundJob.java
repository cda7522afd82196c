package io.sensorflow.store;

import io.sensorflow.telemetry.RateLimitedLog;
import io.sensorflow.telemetry.Readiness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's periodic job, run so that a failure neither stops it nor goes unseen: logged at WARN (rate-limited),
 * counted, and after {@value #NOT_READY_AFTER} in a row reported not ready until a run succeeds.
 */
public final class BackgroundJob implements Runnable {

    /**
     * Failures in a row after which a job is not ready. One failure is usually a passing thing (a lock held a moment
     * too long, a connection the pool replaces before the next round), and one outage can straddle two rounds (a
     * server restart takes a few seconds; the probe runs every 2 s). A third failure in a row says the job is not
     * recovering by itself, and still comes soon: about 300 ms for the merge, 3 s for the flush and the checkpoint,
     * 6 s for the probe; hourly retention takes 3 h, which is soon enough for what it does.
     */
    public static final int NOT_READY_AFTER = 3;

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundJob.class);

    /** What the job does; it fails by throwing. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    /** Written by the job's one thread, read by /health/ready and /metrics: one snapshot, published whole. */
    private record State(long failures, int inARow, String lastError) {
    }

    private final String name;
    private final Task task;
    private final RateLimitedLog log = new RateLimitedLog(LOG);
    private volatile State state = new State(0, 0, null);

    public BackgroundJob(String name, Task task) {
        this.name = name;
        this.task = task;
    }

    @Override
    public void run() {
        try {
            task.run();
        } catch (Exception e) {
            // A close interrupts its jobs (a pool then fails a connection request): that is no failure of the job.
            if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                Thread.currentThread().interrupt();
            } else {
                failed(e);
            }
            return;
        }
        State before = state;
        if (before.inARow() > 0) {
            state = new State(before.failures(), 0, before.lastError());
            if (before.inARow() >= NOT_READY_AFTER) {
                LOG.info("store job {} works again after {} failures in a row", name, before.inARow());
            }
        }
    }

    private void failed(Exception e) {
        State before = state;
        String error = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
        state = new State(before.failures() + 1, before.inARow() + 1, error);
        log.warn(name, "store job {} failed ({} in a row), tried again at its next round: {}", name,
                before.inARow() + 1, error);
    }

    public String name() {
        return name;
    }

    /** Every failure since the store opened, for {@code sensorflow_store_job_failures_total}. */
    public long failures() {
        return state.failures();
    }

    /** Not ready once it has failed {@link #NOT_READY_AFTER} times in a row, naming the last error. */
    public Readiness readiness() {
        State now = state;
        String component = "store job " + name;
        return now.inARow() >= NOT_READY_AFTER
                ? Readiness.notReady(component, "failed " + now.inARow() + " times in a row, last: " + now.lastError())
                : Readiness.ready(component);
    }
}
