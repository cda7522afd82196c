package io.sensorflow.testing;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.model.Silence;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Bucket;
import io.sensorflow.store.Point;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.Resolution;
import io.sensorflow.store.StatePoint;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoredDeadLetter;
import io.sensorflow.telemetry.Readiness;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real store whose commits a test can hold back or make fail, to see what the stream does meanwhile (fault
 * injection, not a stand-in: what does get committed goes to the real store underneath).
 */
public final class GatedStore implements ReadingStore {

    private final ReadingStore store;
    private final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    public GatedStore(ReadingStore store) {
        this.store = store;
    }

    /** Commits wait from now on until {@link #open()}. */
    public void hold() {
        gate.drainPermits();
    }

    public void open() {
        gate.release(Integer.MAX_VALUE - gate.availablePermits());
    }

    /** The next {@code count} commits fail, as a store that has gone away fails. */
    public void failNext(int count) {
        failNext.set(count);
    }

    /** Commits tried, including those held at the gate and those made to fail. */
    public int attempts() {
        return attempts.get();
    }

    public int failed() {
        return failed.get();
    }

    @Override
    public int write(Batch batch) {
        attempts.incrementAndGet();
        gate.acquireUninterruptibly();
        gate.release();
        if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            throw new StoreException("injected: the store is away", null);
        }
        return store.write(batch);
    }

    @Override
    public List<RuleState> ruleStates() {
        return store.ruleStates();
    }

    @Override
    public List<RuleState> activeRuleStates() {
        return store.activeRuleStates();
    }

    @Override
    public void scanReadings(long from, long to, ScanOrder order, Consumer<Reading> consumer) {
        store.scanReadings(from, to, order, consumer);
    }

    @Override
    public void scanStates(long from, long to, Consumer<Reading> consumer) {
        store.scanStates(from, to, consumer);
    }

    @Override
    public boolean hasSeries(String sensor, String metric) {
        return store.hasSeries(sensor, metric);
    }

    @Override
    public boolean knowsSeries(String sensor, String metric) {
        return store.knowsSeries(sensor, metric);
    }

    @Override
    public int seriesCount() {
        return store.seriesCount();
    }

    @Override
    public List<Point> readings(String sensor, String metric, long from, long to, int limit) {
        return store.readings(sensor, metric, from, to, limit);
    }

    @Override
    public List<StatePoint> states(String sensor, String metric, long from, long to, int limit) {
        return store.states(sensor, metric, from, to, limit);
    }

    @Override
    public List<Bucket> rollups(String sensor, String metric, Resolution resolution, long from, long to, int limit) {
        return store.rollups(sensor, metric, resolution, from, to, limit);
    }

    @Override
    public Retained retain(long now) {
        return store.retain(now);
    }

    @Override
    public List<AlertEvent> alertEpisode(String id) {
        return store.alertEpisode(id);
    }

    @Override
    public List<AlertEvent> alertHistory(long from, long to, String rule, String sensor, int limit) {
        return store.alertHistory(from, to, rule, sensor, limit);
    }

    @Override
    public List<AlertEvent> alertsEmittedSince(long emittedAt, int limit) {
        return store.alertsEmittedSince(emittedAt, limit);
    }

    @Override
    public List<io.sensorflow.store.Delivery> deliveries(io.sensorflow.store.Delivery.Status status, String action,
                                                         long afterId, int limit) {
        return store.deliveries(status, action, afterId, limit);
    }

    @Override
    public List<io.sensorflow.store.Delivery> dueDeliveries(long now, int limit,
                                                           java.util.Collection<String> actions,
                                                           java.util.Set<Long> skipIds) {
        return store.dueDeliveries(now, limit, actions, skipIds);
    }

    @Override
    public void shareOutbox(String node, java.time.Duration lease) {
        store.shareOutbox(node, lease);
    }

    @Override
    public List<String> pendingDeliveryActions() {
        return store.pendingDeliveryActions();
    }

    @Override
    public void updateDeliveries(List<io.sensorflow.store.Delivery.Update> updates) {
        store.updateDeliveries(updates);
    }

    @Override
    public boolean retryDelivery(long id, long now) {
        return store.retryDelivery(id, now);
    }

    @Override
    public long countDeliveries(io.sensorflow.store.Delivery.Status status) {
        return store.countDeliveries(status);
    }

    @Override
    public List<StoredDeadLetter> deadLetters(long from, long to, String origin, String reason, long before, int limit) {
        return store.deadLetters(from, to, origin, reason, before, limit);
    }

    @Override
    public void saveSilence(Silence silence) {
        store.saveSilence(silence);
    }

    @Override
    public List<Silence> silences(long since) {
        return store.silences(since);
    }

    @Override
    public boolean saveAcknowledgement(Acknowledgement ack) {
        return store.saveAcknowledgement(ack);
    }

    @Override
    public List<Acknowledgement> acknowledgements(long since) {
        return store.acknowledgements(since);
    }

    @Override
    public Map<String, List<Acknowledgement>> acknowledgements(Collection<String> episodes) {
        return store.acknowledgements(episodes);
    }

    @Override
    public List<LatestReading> latest() {
        return store.latest();
    }

    @Override
    public long countReadings() {
        return store.countReadings();
    }

    @Override
    public boolean isHealthy() {
        return store.isHealthy();
    }

    @Override
    public List<Readiness> readiness() {
        return store.readiness();
    }

    @Override
    public Map<String, Long> jobFailures() {
        return store.jobFailures();
    }

    @Override
    public void close() {
        store.close();
    }
}
