package io.sensorflow.store.jdbc;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import io.sensorflow.store.BackgroundJobs;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Bucket;
import io.sensorflow.store.Delivery;
import io.sensorflow.store.Point;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.Resolution;
import io.sensorflow.store.StatePoint;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoredDeadLetter;
import io.sensorflow.telemetry.Readiness;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A SQL store as the rest of sensorflow sees it: one transactor, one repository per concern, and the background
 * jobs that keep it tidy. The dialect stores ({@link SqliteStore}, {@link PostgresStore}) open it.
 */
public abstract sealed class JdbcStore implements ReadingStore permits SqliteStore, PostgresStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);

    /** The thread of the jobs that keep the store tidy: rollup flush, retention, WAL checkpoint, server probe. */
    static final String MAINTENANCE = "store-maintenance";

    private final Dialect dialect;
    private final Transactor transactor;
    private final BackgroundJobs jobs = new BackgroundJobs();
    private final SeriesRepository series;
    private final ReadingRepository readings;
    private final RollupRepository rollups;
    private final AlertRepository alerts;
    private final DeliveryRepository deliveries;
    private final OperatorRepository operator;
    private final DeadLetterRepository deadLetters;
    private final Retention retention;

    JdbcStore(StoreConfig config, Dialect dialect) {
        this.dialect = dialect;
        this.transactor = new Transactor(dialect);
        this.series = new SeriesRepository(dialect);
        this.readings = new ReadingRepository(dialect);
        this.rollups = new RollupRepository(dialect, transactor, series);
        this.alerts = new AlertRepository(dialect);
        this.deliveries = new DeliveryRepository(dialect, transactor);
        this.operator = new OperatorRepository(dialect, transactor);
        this.deadLetters = new DeadLetterRepository(dialect, transactor);
        this.retention = new Retention(config, transactor, series, deadLetters, deliveries);
        transactor.repairAfterFailureWith(rollups::repairAfterFailure);
    }

    /** Loads the series, repairs rollups a crash left behind and starts hourly retention and rollup flushing. */
    final void start() {
        series.load();
        int repaired = rollups.repair();
        if (repaired > 0) {
            LOG.info("recomputed the rollups of {} minutes that were not written before the last stop", repaired);
        }
        jobs.every("rollup-flush", MAINTENANCE, Duration.ofSeconds(1), Duration.ofSeconds(1), rollups::flushIdle);
        jobs.every("retention", MAINTENANCE, Duration.ofMinutes(1), Duration.ofHours(1), retention::run);
    }

    /**
     * For tools that only read (export) while a daemon may be writing: no repair, no merges, no retention, and every
     * write refused, so the tool never races the daemon's own bookkeeping.
     */
    final void startReadOnly() {
        transactor.readOnly();
    }

    /**
     * Brings the schema up to date from {@code db/migration/<dialect>}, or for a read-only open checks that it is: a
     * tool that only reads never creates or changes a schema.
     */
    static void migrate(DataSource dataSource, String dialect, String where, boolean readOnly) {
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + dialect)
                .loggers("slf4j")
                .load();
        if (!readOnly) {
            flyway.migrate();
            return;
        }
        var info = flyway.info();
        if (info.current() == null || info.pending().length > 0) {
            throw new StoreException(where + " holds no sensorflow store of this version"
                    + (info.current() == null ? "" : " (schema version " + info.current().getVersion()
                    + "; start the daemon once to migrate it)"), null);
        }
    }

    final Transactor transactor() {
        return transactor;
    }

    final BackgroundJobs jobs() {
        return jobs;
    }

    @Override
    public int write(Batch batch) {
        return transactor.transaction("write of " + batch.readings().size() + " readings", connection -> {
            long now = System.nanoTime();
            SeriesRepository.Changes changes = series.changes();
            List<Reading> numbers = batch.readings();
            List<Reading> states = List.of();
            if (numbers.stream().anyMatch(Reading::isState)) {
                numbers = batch.readings().stream().filter(r -> !r.isState()).toList();
                states = batch.readings().stream().filter(Reading::isState).toList();
            }
            Fresh fresh = readings.write(connection, numbers, changes);
            int newStates = readings.writeStates(connection, states, changes);
            Runnable rollupsWritten = rollups.add(connection, fresh, now);
            deadLetters.write(connection, batch.deadLetters());
            alerts.writeRuleStates(connection, batch.ruleStates());
            alerts.writeEvents(connection, batch.alertEvents());
            deliveries.enqueue(connection, batch.alertEvents(), System.currentTimeMillis());
            return new Transactor.Commit<>(fresh.count() + newStates, () -> {
                rollupsWritten.run();
                changes.commit();
                fresh.afterCommit().run();
            });
        });
    }

    @Override
    public List<RuleState> ruleStates() {
        return alerts.ruleStates();
    }

    @Override
    public List<RuleState> activeRuleStates() {
        return alerts.activeRuleStates();
    }

    @Override
    public void scanReadings(long from, long to, ScanOrder order, Consumer<Reading> consumer) {
        readings.scanReadings(from, to, order, consumer);
    }

    @Override
    public void scanStates(long from, long to, Consumer<Reading> consumer) {
        readings.scanStates(from, to, consumer);
    }

    @Override
    public boolean hasSeries(String sensor, String metric) {
        return series.exists(sensor, metric);
    }

    @Override
    public boolean knowsSeries(String sensor, String metric) {
        return series.known(sensor, metric);
    }

    @Override
    public int seriesCount() {
        return series.count();
    }

    @Override
    public List<Point> readings(String sensor, String metric, long from, long to, int limit) {
        return readings.readings(sensor, metric, from, to, limit);
    }

    @Override
    public List<StatePoint> states(String sensor, String metric, long from, long to, int limit) {
        return readings.states(sensor, metric, from, to, limit);
    }

    @Override
    public List<Bucket> rollups(String sensor, String metric, Resolution resolution, long from, long to, int limit) {
        return rollups.query(sensor, metric, resolution, from, to, limit);
    }

    @Override
    public Retained retain(long now) {
        return retention.retain(now);
    }

    @Override
    public List<AlertEvent> alertEpisode(String id) {
        return alerts.episode(id);
    }

    @Override
    public List<AlertEvent> alertHistory(long from, long to, String rule, String sensor, int limit) {
        return alerts.history(from, to, rule, sensor, limit);
    }

    @Override
    public List<AlertEvent> alertsEmittedSince(long emittedAt, int limit) {
        return alerts.emittedSince(emittedAt, limit);
    }

    @Override
    public List<Delivery> deliveries(Delivery.Status status, String action, long afterId, int limit) {
        return deliveries.list(status, action, afterId, limit);
    }

    @Override
    public List<Delivery> dueDeliveries(long now, int limit, java.util.Collection<String> actions,
                                        java.util.Set<Long> skipIds) {
        return deliveries.due(now, limit, actions, skipIds);
    }

    @Override
    public void shareOutbox(String node, java.time.Duration lease) {
        deliveries.share(node, lease.toMillis());
    }

    @Override
    public List<String> pendingDeliveryActions() {
        return deliveries.pendingActions();
    }

    @Override
    public void updateDeliveries(List<Delivery.Update> updates) {
        deliveries.update(updates);
    }

    @Override
    public boolean retryDelivery(long id, long now) {
        return deliveries.requeue(id, now);
    }

    @Override
    public long countDeliveries(Delivery.Status status) {
        return deliveries.count(status);
    }

    @Override
    public List<StoredDeadLetter> deadLetters(long from, long to, String origin, String reason, long before,
                                              int limit) {
        return deadLetters.list(from, to, origin, reason, before, limit);
    }

    @Override
    public void saveSilence(Silence silence) {
        operator.saveSilence(silence);
    }

    @Override
    public List<Silence> silences(long since) {
        return operator.silences(since);
    }

    @Override
    public boolean saveAcknowledgement(Acknowledgement ack) {
        return operator.saveAcknowledgement(ack);
    }

    @Override
    public List<Acknowledgement> acknowledgements(long since) {
        return operator.acknowledgements(since);
    }

    @Override
    public Map<String, List<Acknowledgement>> acknowledgements(Collection<String> episodes) {
        return operator.acknowledgements(episodes);
    }

    @Override
    public List<LatestReading> latest() {
        return readings.latest();
    }

    @Override
    public long countReadings() {
        return readings.countReadings();
    }

    @Override
    public boolean isHealthy() {
        return transactor.isHealthy();
    }

    @Override
    public List<Readiness> readiness() {
        String unhealthy = transactor.unhealthy();
        List<Readiness> checks = new ArrayList<>();
        checks.add(unhealthy == null ? Readiness.ready("store") : Readiness.notReady("store", unhealthy));
        checks.addAll(jobs.readiness());
        return checks;
    }

    @Override
    public Map<String, Long> jobFailures() {
        return jobs.failures();
    }

    /** Stops the jobs and writes the waiting rollup deltas; the dialect store then closes its connections. */
    final void closeStore() {
        synchronized (transactor) {
            if (transactor.isClosed()) {
                return;
            }
            jobs.stopAll();
            rollups.flushAtClose();
            transactor.close();
        }
    }

    @Override
    public String toString() {
        return dialect.describe();
    }
}
