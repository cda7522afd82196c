package io.sensorflow.store;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;

import java.util.List;

/**
 * Durable storage of readings and dead letters. Methods block (JDBC) and must be called from a dedicated blocking
 * dispatcher, never from a stream stage's own thread.
 */
public interface ReadingStore extends AutoCloseable {

    /**
     * Commits readings and dead letters in one transaction; when this returns they survive a crash of the daemon.
     * Idempotent on (sensor, metric, timestamp): a redelivered reading creates no second row.
     *
     * @return how many readings were new
     */
    int write(List<Reading> readings, List<DeadLetter> deadLetters);

    /** The newest reading (by event time) of every sensor and metric. */
    List<LatestReading> latest();

    /** How many readings are stored, for tests and diagnostics. */
    long countReadings();

    /** Whether the store can be written to right now. */
    boolean isHealthy();

    @Override
    void close();
}
