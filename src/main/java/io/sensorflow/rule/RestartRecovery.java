package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings a fresh engine back to where the previous run stopped: the alert states it committed, the newest stored
 * reading of every series, and the stored readings within the rebuild horizon, which refill the rules' memory without
 * being judged again.
 */
final class RestartRecovery {

    /** The engine whose slot table is filled; it calls here only before any reading flows. */
    private final RuleEngine engine;
    private final List<RuleRuntime> runtimes;
    private final AlertBoard board;
    private final Clock clock;
    /** What the rebuilt memory observes was judged before the restart: collected only to be dropped. */
    private final List<Observation> judgedBefore = new ArrayList<>(4);

    RestartRecovery(RuleEngine engine, List<RuleRuntime> runtimes, AlertBoard board, Clock clock) {
        this.engine = engine;
        this.runtimes = runtimes;
        this.board = board;
        this.clock = clock;
    }

    /** See {@link RuleEngine#restore}. */
    int restore(List<RuleState> states, List<LatestReading> latest) {
        Map<String, RuleRuntime> byName = new HashMap<>();
        runtimes.forEach(runtime -> byName.put(runtime.rule.name(), runtime));
        Map<SeriesKey, Long> newest = new HashMap<>();
        for (LatestReading reading : latest) {
            newest.merge(new SeriesKey(reading.sensor(), reading.metric()), reading.timestamp(), Math::max);
        }
        int restored = 0;
        for (RuleState state : states) {
            RuleRuntime runtime = byName.get(state.rule());
            if (runtime == null || !runtime.signature.equals(state.kind())) {
                // Removed, or changed in kind (type, match or memory): its old state means nothing now.
                continue;
            }
            AlertKey key = new AlertKey(state.sensor(), state.metric(), state.group());
            if (!engine.owns(key)) {
                // Another shard's.
                continue;
            }
            restore(runtime, state, key, newest);
            restored++;
        }
        for (RuleRuntime runtime : runtimes) {
            if (runtime.watch != null) {
                lastSignsOfLife(runtime, latest);
            }
        }
        return restored;
    }

    private void restore(RuleRuntime runtime, RuleState state, AlertKey key, Map<SeriesKey, Long> newest) {
        AlertSlot slot = engine.slot(runtime, key);
        slot.restore(state);
        if (state.group().isEmpty() && !state.metric().isEmpty() && runtime.rule.derivation().observesEachReading()) {
            // Readings committed after this state was written were judged already; a redelivered copy is late.
            Long seen = newest.get(new SeriesKey(state.sensor(), state.metric()));
            if (seen != null && seen > slot.life.lastTimestamp()) {
                slot.life = judgedUpTo(slot.life, seen);
            }
        }
        if (slot.life.phase() != AlertState.INACTIVE) {
            runtime.active.add(slot);
            board.put(runtime.rule.name(), slot.key, slot.status(clock.millis()));
        }
    }

    /**
     * The lifecycle as it stands once the observation at event time {@code seen}, newer than its last one, has been
     * judged: its arrival is not stored, so it is taken to have arrived as long after the last judged one as it was
     * taken.
     */
    static Lifecycle.State judgedUpTo(Lifecycle.State life, long seen) {
        long arrival = life.lastArrival() == Lifecycle.NONE || life.lastTimestamp() == Lifecycle.NONE
                ? seen : life.lastArrival() + (seen - life.lastTimestamp());
        return new Lifecycle.State(life.phase(), life.since(), life.clearSince(), seen, arrival);
    }

    /** A watching rule takes the newest stored reading of each series it matches as the last sign of life. */
    private void lastSignsOfLife(RuleRuntime runtime, List<LatestReading> latest) {
        for (LatestReading latestReading : latest) {
            if (!runtime.rule.match().matchesSeries(latestReading.sensor(), latestReading.metric())) {
                continue;
            }
            // A series of state readings has no value, only its text.
            Reading reading = latestReading.state() != null
                    ? Reading.ofState(latestReading.sensor(), latestReading.metric(), latestReading.state(),
                            latestReading.timestamp(), latestReading.tags(), "store")
                    : new Reading(latestReading.sensor(), latestReading.metric(), latestReading.value(),
                            latestReading.timestamp(), latestReading.tags(), "store");
            AlertKey key = runtime.rule.derivation().keyOf(reading);
            if (engine.owns(key)) {
                runtime.watch.restore(engine.slot(runtime, key).derived, reading.timestamp());
            }
        }
    }

    /** See {@link RuleEngine#rebuildHorizon}. */
    long horizon() {
        long horizon = 0;
        for (RuleRuntime runtime : runtimes) {
            horizon = Math.max(horizon, runtime.rule.derivation().memory());
        }
        return horizon;
    }

    /** See {@link RuleEngine#rebuild}. */
    boolean rebuild(Reading reading) {
        boolean taken = false;
        for (RuleRuntime runtime : engine.matching(reading)) {
            // Types that remember nothing (thresholds, deadman watches) have nothing to rebuild.
            AlertSlot slot = runtime.rule.derivation().memory() == 0 || !engine.ownsReading(runtime, reading) ? null
                    : engine.slotFor(runtime, reading);
            if (slot == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Derivation<Object> derivation = (Derivation<Object>) runtime.rule.derivation();
            derivation.observe(slot.derived, slot.key, reading, Map.of(), judgedBefore);
            judgedBefore.clear();
            taken = true;
        }
        return taken;
    }
}
