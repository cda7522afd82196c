package io.sensorflow.rule.testing;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link RuleEngine} on a {@link ManualClock}, moving the clock as the daemon's would: a tick every
 * {@code tick} milliseconds, readings at their arrival time, and at one instant readings before the tick. Rule tests
 * and replays both drive rules through this, so they see exactly the daemon's semantics.
 */
public final class VirtualTime {

    private static final long MAX_TICKS_PER_GAP = 100_000;

    private final ManualClock clock;
    private final List<Rule> rules;
    private RuleEngine engine;
    private final Metrics metrics;
    private final long tick;
    private long nextTick;
    /** What a store would hold, kept only when restarts are to be simulated. */
    private final boolean remember;
    private final Map<String, RuleState> committed = new LinkedHashMap<>();
    private final List<Reading> stored = new ArrayList<>();

    public VirtualTime(List<Rule> rules, long start, long tick, Metrics metrics) {
        this(rules, start, tick, metrics, false);
    }

    /** @param remember keep committed rule states and readings in memory, so that {@link #restart} can resume */
    public VirtualTime(List<Rule> rules, long start, long tick, Metrics metrics, boolean remember) {
        this.clock = new ManualClock(start);
        this.rules = List.copyOf(rules);
        this.metrics = metrics;
        this.engine = new RuleEngine(this.rules, clock, new AlertBoard(), metrics);
        this.tick = tick;
        this.nextTick = start;
        this.remember = remember;
    }

    /**
     * A crash just before {@code time}, and a start at {@code time}: a new engine resumes from what was committed,
     * exactly as the daemon does (states, newest reading per series, readings within the rebuild horizon), and its
     * first tick comes at once.
     */
    public List<AlertEvent> restart(long time) {
        if (!remember) {
            throw new IllegalStateException("restart needs a VirtualTime that remembers what was committed");
        }
        List<AlertEvent> events = new ArrayList<>(advanceTo(time - 1));
        clock.set(time);
        engine = new RuleEngine(rules, clock, new AlertBoard(), metrics);
        resume(engine, committed.values(), stored, time);
        nextTick = time;
        events.addAll(advanceTo(time));
        return events;
    }

    /**
     * Resumes a fresh engine from in-memory stand-ins for the store, the way the daemon resumes from the real one:
     * the committed states, the newest reading of every series, and the readings within the rebuild horizon.
     */
    public static void resume(RuleEngine engine, java.util.Collection<RuleState> committed, List<Reading> stored,
                              long now) {
        Map<String, LatestReading> latest = new LinkedHashMap<>();
        for (Reading r : stored) {
            latest.merge(r.sensor() + '\u0000' + r.metric(), new LatestReading(r.sensor(), r.metric(), r.value(),
                    r.timestamp()), (a, b) -> b.timestamp() >= a.timestamp() ? b : a);
        }
        List<LatestReading> newest = List.copyOf(latest.values());
        engine.restore(List.copyOf(committed), newest);
        long from = engine.rebuildFrom(newest, now);
        stored.stream().filter(r -> r.timestamp() >= from).sorted(Comparator.comparingLong(Reading::timestamp))
                .forEach(engine::rebuild);
    }

    private void commit(Reading reading) {
        if (!remember) {
            engine.drainChanges();
            return;
        }
        for (RuleState state : engine.drainChanges()) {
            committed.put(state.rule() + '\u0000' + state.sensor() + '\u0000' + state.metric() + '\u0000'
                    + state.group(), state);
        }
        if (reading != null) {
            stored.add(reading);
        }
    }

    /** Ticks through every instant up to and including {@code time}, then leaves the clock there. */
    public List<AlertEvent> advanceTo(long time) {
        List<AlertEvent> events = new ArrayList<>();
        if (time - nextTick > MAX_TICKS_PER_GAP * tick) {
            // A gap of years (one outlier timestamp) is not walked tick by tick: the ticks in between could only
            // repeat what the last of them does.
            nextTick = time - MAX_TICKS_PER_GAP * tick;
        }
        while (nextTick <= time) {
            clock.set(nextTick);
            events.addAll(engine.onTick());
            commit(null);
            nextTick += tick;
        }
        clock.set(Math.max(clock.millis(), time));
        return events;
    }

    /**
     * Delivers a reading at {@code arrival}: first the clock catches up with every tick before that instant, then
     * the reading; the tick at {@code arrival} itself, if any, comes after it.
     */
    public List<AlertEvent> deliver(Reading reading, long arrival) {
        List<AlertEvent> events = new ArrayList<>(advanceTo(arrival - 1));
        clock.set(Math.max(clock.millis(), arrival));
        events.addAll(engine.onReading(reading));
        commit(reading);
        return events;
    }

    public long now() {
        return clock.millis();
    }

    public Metrics metrics() {
        return metrics;
    }
}
