package io.sensorflow.store;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import io.sensorflow.telemetry.Readiness;

import java.util.Collection;
import java.util.List;
import java.util.Map;
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
     * The committed rule states of alerts that are pending or firing: what a cluster's node lists as current alerts,
     * read every few seconds, without the inactive states of every quiet sensor.
     */
    List<RuleState> activeRuleStates();

    /**
     * Streams the stored readings with event time at or after {@code from}, oldest first, each with the tags of its
     * series' newest reading; for rebuilding rule windows after a restart.
     */
    default void scanReadings(long from, Consumer<Reading> consumer) {
        scanReadings(from, Long.MAX_VALUE, ScanOrder.TIME, consumer);
    }

    /**
     * Streams the stored readings with event time in {@code [from, to)}, each with the tags of its series' newest
     * reading. {@link ScanOrder.ANY} streams in storage order without sorting, for exports of any size.
     */
    void scanReadings(long from, long to, ScanOrder order, Consumer<Reading> consumer);

    /** Streams the stored state readings with event time in {@code [from, to)}, in storage order. */
    void scanStates(long from, long to, Consumer<Reading> consumer);

    /** The order of a scan: by event time across all series, or whatever order the store streams without sorting. */
    enum ScanOrder { TIME, ANY }

    /** Whether any reading of this sensor's metric was ever stored. */
    boolean hasSeries(String sensor, String metric);

    /**
     * Whether this process has the series committed, from memory and without a query: asked for every reading by
     * the series limit. A store that keeps no such memory answers {@link #hasSeries}.
     */
    default boolean knowsSeries(String sensor, String metric) {
        return hasSeries(sensor, metric);
    }

    /** How many series this process knows are committed; 0 for a store that does not count them. */
    default int seriesCount() {
        return 0;
    }

    /** Raw readings of one series with event time in {@code [from, to)}, oldest first, at most {@code limit}. */
    List<Point> readings(String sensor, String metric, long from, long to, int limit);

    /** State readings (text values) of one series with event time in {@code [from, to)}, oldest first. */
    List<StatePoint> states(String sensor, String metric, long from, long to, int limit);

    /**
     * Rollup buckets of one series starting in {@code [from, to)}, oldest first, at most {@code limit}; they include
     * every reading committed so far.
     */
    List<Bucket> rollups(String sensor, String metric, Resolution resolution, long from, long to, int limit);

    /**
     * Deletes what is older than its retention at {@code now}: raw readings and dead letters, then each rollup.
     * The daemon runs this hourly; it works in small transactions so that ingest is never held up for long.
     */
    Retained retain(long now);

    /** How many rows {@link #retain} deleted. */
    record Retained(long readings, long deadLetters, long minuteRollups, long hourRollups, long deliveries) {
    }

    /** The transitions of one alert episode, oldest first; empty if there is no such episode. */
    List<AlertEvent> alertEpisode(String id);

    /**
     * Alert transitions with event time in {@code [from, to)}, newest first, at most {@code limit}.
     *
     * @param rule   only this rule, or null for all
     * @param sensor only this sensor, or null for all
     */
    List<AlertEvent> alertHistory(long from, long to, String rule, String sensor, int limit);

    /**
     * Alert transitions committed with a processing time ({@link AlertEvent#emittedAt}) at or after {@code emittedAt},
     * oldest first, at most {@code limit}: what a live stream client missed while it was away.
     */
    List<AlertEvent> alertsEmittedSince(long emittedAt, int limit);

    /**
     * Dead letters received in {@code [from, to)} with an id below {@code before} (for paging), newest first, at most
     * {@code limit}.
     *
     * @param origin only this source (or {@code action:<name>}), or null for all
     * @param reason only this reason, or null for all
     */
    List<StoredDeadLetter> deadLetters(long from, long to, String origin, String reason, long before, int limit);

    /**
     * Deliveries of the outbox in one status, oldest first, with an id above {@code afterId} (for paging), at most
     * {@code limit}.
     *
     * @param action only this action's, or null for all
     */
    List<Delivery> deliveries(Delivery.Status status, String action, long afterId, int limit);

    /**
     * The pending deliveries that may go at {@code now}, oldest first, at most {@code limit}: due, of one of
     * {@code actions} (those whose target is neither down nor busy), not one of {@code skipIds} (attempts running),
     * and with no earlier pending delivery of the same alert and action (order per alert).
     */
    List<Delivery> dueDeliveries(long now, int limit, java.util.Collection<String> actions,
                                 java.util.Set<Long> skipIds);

    /**
     * From now on the outbox is shared with other nodes: {@link #dueDeliveries} claims what it returns for
     * {@code node} for {@code lease}, and passes over deliveries another node holds a live claim on. A node that dies
     * holding claims leaves them to the others when the lease ends. Until this is called, one daemon reads the outbox
     * alone and nothing is claimed.
     */
    void shareOutbox(String node, java.time.Duration lease);

    /** The actions that have pending deliveries, whether or not the config still has them. */
    List<String> pendingDeliveryActions();

    /** Records how attempts ended, all in one transaction. */
    void updateDeliveries(List<Delivery.Update> updates);

    /** Puts a failed delivery back in the queue, due at once; false if no failed delivery has that id. */
    boolean retryDelivery(long id, long now);

    /** How many deliveries are in a status. */
    long countDeliveries(Delivery.Status status);

    /** Creates or replaces a silence. */
    void saveSilence(Silence silence);

    /** Every silence that has not ended before {@code since}, oldest first. */
    List<Silence> silences(long since);

    /**
     * Records one more acknowledgement of an alert episode, after those it has; false, recording nothing, when it has
     * {@link Acknowledgement#MAX_PER_EPISODE} already.
     */
    boolean saveAcknowledgement(Acknowledgement ack);

    /** Acknowledgements made at or after {@code since}, each episode's in the order they were made. */
    List<Acknowledgement> acknowledgements(long since);

    /** Every acknowledgement of these episodes, oldest first; an episode without any is not in the map. */
    Map<String, List<Acknowledgement>> acknowledgements(Collection<String> episodes);

    /** The newest reading (by event time) of every sensor and metric, with its tags, ordered by sensor and metric. */
    List<LatestReading> latest();

    /** How many readings are stored, for tests and diagnostics. */
    long countReadings();

    /** Whether the store can be written to right now. */
    boolean isHealthy();

    /**
     * For {@code /health/ready}: first whether the store can be written to ({@link #isHealthy}), then a not-ready
     * entry for each background job that has failed {@link BackgroundJob#NOT_READY_AFTER} times in a row.
     */
    default List<Readiness> readiness() {
        return List.of(isHealthy() ? Readiness.ready("store") : Readiness.notReady("store", "last write failed"));
    }

    /** How often each background job has failed since the store opened, by job name (all of them, zeros too). */
    default Map<String, Long> jobFailures() {
        return Map.of();
    }

    @Override
    void close();
}
