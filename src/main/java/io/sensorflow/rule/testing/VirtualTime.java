package io.sensorflow.rule.testing;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link RuleEngine} on a {@link ManualClock}, moving the clock as the daemon's would: a tick every
 * {@code tick} milliseconds, readings at their arrival time, and at one instant readings before the tick. Rule tests
 * and replays both drive rules through this, so they see exactly the daemon's semantics.
 */
public final class VirtualTime {

    private final ManualClock clock;
    private final RuleEngine engine;
    private final Metrics metrics;
    private final long tick;
    private long nextTick;

    public VirtualTime(List<Rule> rules, long start, long tick, Metrics metrics) {
        this.clock = new ManualClock(start);
        this.metrics = metrics;
        this.engine = new RuleEngine(rules, clock, new AlertBoard(), metrics);
        this.tick = tick;
        this.nextTick = start;
    }

    /** Ticks through every instant up to and including {@code time}, then leaves the clock there. */
    public List<AlertEvent> advanceTo(long time) {
        List<AlertEvent> events = new ArrayList<>();
        while (nextTick <= time) {
            clock.set(nextTick);
            events.addAll(engine.onTick());
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
        return events;
    }

    public long now() {
        return clock.millis();
    }

    public Metrics metrics() {
        return metrics;
    }
}
