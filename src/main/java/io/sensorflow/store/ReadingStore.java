package io.sensorflow.store;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;

import java.util.List;
import java.util.function.Consumer;

/**
 * Durable storage of readings, dead letters, rule state and alert history. Methods block (JDBC) and must be called from a dedicated blocking
 * dispatcher, never from a stream stage's own thread.
 */
public interface ReadingStore extends AutoCloseable {

    /**
     * Commits readings and dead letters in one transaction; when this returns they survive a crash of the daemon.
     * Idempotent on (sensor, metric, timestamp): a redelivered reading creates no second row.
     *
     * @return how many readings were new
     */
    default int write(List<Reading> readings, List<DeadLetter> deadLetters) {
        return write(Batch.of(readings, deadLetters));
    }

    /**
     * Commits a whole batch in one transaction: readings (idempotent as above), dead letters, rule states (replacing
     * the previous state of each alert) and alert transitions (idempotent on episode, state and time).
     *
     * @return how many readings were new
     */
    int write(Batch batch);

    /** Every rule state committed, for the engine to resume from at start. */
    List<RuleState> ruleStates();

    /**
     * Streams the stored readings with event time at or after {@code from}, oldest first, each with the tags of its
     * series' newest reading; for rebuilding rule windows after a restart.
     */
    void scanReadings(long from, Consumer<Reading> consumer);

    /** The transitions of one alert episode, oldest first; empty if there is no such episode. */
    List<AlertEvent> alertEpisode(String id);

    /**
     * Alert transitions with event time in {@code [from, to)}, newest first, at most {@code limit}.
     *
     * @param rule   only this rule, or null for all
     * @param sensor only this sensor, or null for all
     */
    List<AlertEvent> alertHistory(long from, long to, String rule, String sensor, int limit);

    /** Creates or replaces a silence. */
    void saveSilence(Silence silence);

    /** Every silence that has not ended before {@code since}, oldest first. */
    List<Silence> silences(long since);

    /** Records (or replaces) the acknowledgement of an alert episode. */
    void saveAcknowledgement(Acknowledgement ack);

    /** Acknowledgements made at or after {@code since}. */
    List<Acknowledgement> acknowledgements(long since);

    /** The newest reading (by event time) of every sensor and metric. */
    List<LatestReading> latest();

    /** How many readings are stored, for tests and diagnostics. */
    long countReadings();

    /** Whether the store can be written to right now. */
    boolean isHealthy();

    @Override
    void close();
}
