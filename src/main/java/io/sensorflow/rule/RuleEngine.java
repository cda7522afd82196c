package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs every rule over the readings it matches and over the passing of time, and turns lifecycle transitions into
 * alert events that name the actions to run.
 *
 * <p>Two inputs: {@link #onReading} for each reading, and {@link #onTick} a few times a second, which lets the clock
 * finish {@code for}/{@code clear-for} durations when no reading comes, fire deadman rules, and repeat actions.
 *
 * <p>Not thread-safe: one stream stage owns it. All state is keyed by (rule, alert key), so that it can later be
 * sharded by sensor and restored from the store.
 */
public final class RuleEngine {

    /** Bounds the match cache; a flood of distinct sensor names must not grow memory without limit. */
    private static final int MATCH_CACHE_LIMIT = 100_000;
    /**
     * Bounds the per-key states unless the daemon sets {@code pipeline.max-rule-slots}. Past the bound, inactive ones
     * are dropped (pending and firing ones and deadman watches never are); a dropped state forgets the newest
     * timestamp of a quiet series and the open windows of its key. When that frees too little, a new key gets no
     * state: its readings are stored but not evaluated, counted in {@code sensorflow_rule_slots_refused_total}.
     */
    static final int STATE_LIMIT = 1_000_000;
    private static final RuleRuntime[] NONE_MATCH = new RuleRuntime[0];
    private static final java.util.function.Predicate<AlertKey> EVERY_KEY = key -> true;

    private final List<RuleRuntime> runtimes;
    /** Kept only to hand them to the engine of a reloaded rule set: HTTP holds them, across reloads. */
    private final Silences silences;
    private final Acknowledgements acknowledgements;
    private final NotificationPolicy notifications;
    private final RestartRecovery recovery;
    private final Clock clock;
    private final AlertBoard board;
    private final Metrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RuleEngine.class));
    private final Map<SeriesKey, RuleRuntime[]> matchCache = new HashMap<>();
    private final java.util.function.Predicate<AlertKey> owns;
    /** The inhibitors firing in other shards of a cluster; none for a daemon alone. */
    private final Inhibitions inhibitions;
    /** A daemon alone: no key to look up before judging. */
    private final boolean ownsAll;
    private final List<Observation> observations = new ArrayList<>(4);
    /** Slots whose durable part changed since the last {@link #drainChanges()}. */
    private final List<AlertSlot> dirty = new ArrayList<>();
    private int slotCount;
    private int slotLimit = STATE_LIMIT;
    /** New keys refused since the last scan for inactive slots: a scan walks every slot, so not one per new key. */
    private int refusedSinceScan = Integer.MAX_VALUE;

    public RuleEngine(List<Rule> rules, Clock clock, AlertBoard board, Metrics metrics) {
        this(rules, clock, board, metrics, new Silences(), new Acknowledgements());
    }

    public RuleEngine(List<Rule> rules, Clock clock, AlertBoard board, Metrics metrics, Silences silences,
                      Acknowledgements acknowledgements) {
        this(rules, clock, board, metrics, silences, acknowledgements, EVERY_KEY, new Inhibitions());
    }

    /**
     * An engine for the alert keys {@code owns} accepts: one shard of a cluster's sensors and groups. Of the readings
     * it is given it judges, rebuilds and restores only what feeds those keys (a reading of another shard's sensor
     * comes for the groups it owns); of the sensors a deadman rule lists, it watches only those it owns, so that
     * exactly one shard fires for a sensor that never spoke. Its alerts are muted by the inhibitors that fire in
     * other shards as {@code inhibitions} holds them. {@code owns} answers alike for every key of one sensor that is
     * not a group's: a sensor's series and deadman alerts live in its shard.
     */
    private RuleEngine(List<Rule> rules, Clock clock, AlertBoard board, Metrics metrics, Silences silences,
                       Acknowledgements acknowledgements, java.util.function.Predicate<AlertKey> owns,
                       Inhibitions inhibitions) {
        this.owns = owns;
        this.ownsAll = owns == EVERY_KEY;
        // Rules that inhibit others are judged first, so that when both fire on one reading the inhibition holds.
        this.runtimes = rules.stream().sorted(java.util.Comparator.comparing(r -> r.inhibit().isEmpty()))
                .map(RuleRuntime::new).toList();
        // Looked up once per rule: the label lookup would cost a hash per evaluation.
        runtimes.forEach(r -> r.evaluations = metrics.ruleEvaluations(r.rule.name()));
        this.silences = silences;
        this.acknowledgements = acknowledgements;
        this.inhibitions = inhibitions;
        this.notifications = new NotificationPolicy(runtimes, silences, acknowledgements, inhibitions);
        this.recovery = new RestartRecovery(this, runtimes, board, clock);
        this.clock = clock;
        this.board = board;
        this.metrics = metrics;
        long now = clock.millis();
        runtimes.forEach(runtime -> watchListedSensors(runtime, now));
    }

    /**
     * Listed deadman sensors are watched from {@code now}, so one that never speaks is noticed too. A sensor
     * already watched keeps what was heard from it.
     */
    private void watchListedSensors(RuleRuntime runtime, long now) {
        if (runtime.watch != null) {
            for (AlertKey key : runtime.watch.watchedFromStart()) {
                if (!owns.test(key)) {
                    continue;
                }
                runtime.watch.watchFrom(slot(runtime, key).derived, now);
            }
        }
    }

    /** Evaluates one reading; returns the FIRING and RESOLVED events it caused, usually none. */
    public List<AlertEvent> onReading(Reading reading) {
        RuleRuntime[] candidates = matching(reading);
        if (candidates.length == 0) {
            return List.of();
        }
        long now = clock.millis();
        Map<String, Object> variables = null;
        List<AlertEvent> events = null;
        // In a cluster: whether the reading's sensor is this shard's, asked once for every per-sensor rule.
        boolean sensorOwned = ownsAll || owns.test(AlertKey.sensor(reading.sensor()));
        for (RuleRuntime runtime : candidates) {
            if (!ownsAll && !ownsFor(runtime, reading, sensorOwned)) {
                // Another shard's key: its owner judges the reading (and counts what it finds wrong with it).
                continue;
            }
            Reading seen = inRuleUnit(runtime.rule, reading);
            if (seen == null) {
                continue;
            }
            AlertSlot slot = slotFor(runtime, seen);
            if (slot == null) {
                continue;
            }
            Rule rule = runtime.rule;
            AlertKey key = slot.key;
            @SuppressWarnings("unchecked")
            Derivation<Object> derivation = (Derivation<Object>) rule.derivation();
            slot.remember(seen);
            if (runtime.watch != null) {
                events = add(events, heard(runtime, slot, seen, now));
                continue;
            }
            Map<String, Object> seenVariables;
            if (seen == reading) {
                if (variables == null) {
                    variables = Condition.variables(reading);
                }
                seenVariables = variables;
            } else {
                seenVariables = Condition.variables(seen);
            }
            observations.clear();
            if (!derivation.observe(slot.derived, key, seen, seenVariables, observations)) {
                metrics.lateReadings(rule.name()).inc();
                continue;
            }
            for (int i = 0; i < observations.size(); i++) {
                events = judge(runtime, slot, observations.get(i), now, events);
            }
        }
        return events == null ? List.of() : events;
    }

    /**
     * The reading as the rule sees it: converted to the rule's unit when it names another one that converts, null
     * (counted and logged) when it names one that does not. A reading without a unit is taken to be in the rule's.
     */
    private Reading inRuleUnit(Rule rule, Reading reading) {
        if (reading.isState()) {
            return rule.derivation().acceptsStates() ? reading : null;
        }
        if (rule.unit().isEmpty() || reading.unit() == null || !rule.derivation().readsValues()
                || reading.unit().equals(rule.unit().get())) {
            return reading;
        }
        java.util.OptionalDouble converted = Units.convert(reading.value(), reading.unit(), rule.unit().get());
        if (converted.isEmpty()) {
            metrics.unitMismatches(rule.name()).inc();
            log.warn("unit/" + rule.name(), "rule {} expects {} and cannot convert {} {} {} from {}; the reading is "
                    + "stored, but this rule does not see it", rule.name(), rule.unit().get(), reading.sensor(),
                    reading.metric(), reading.value(), reading.unit());
            return null;
        }
        return reading.withValue(converted.getAsDouble(), rule.unit().get());
    }

    /** Lets time pass: finishes due {@code for}/{@code clear-for} durations, fires deadmen, repeats actions. */
    public List<AlertEvent> onTick() {
        long now = clock.millis();
        List<AlertEvent> events = null;
        for (RuleRuntime runtime : runtimes) {
            if (runtime.watch != null) {
                for (AlertSlot slot : runtime.slots.values()) {
                    Watch.Firing due = slot.life.phase() == AlertState.INACTIVE
                            ? runtime.watch.due(slot.derived, now) : null;
                    if (due != null) {
                        events = add(events, apply(runtime, slot,
                                Lifecycle.fire(slot.life, due.since(), due.at(), now), now));
                    }
                }
            }
            if (runtime.active.isEmpty()) {
                continue;
            }
            for (AlertSlot slot : List.copyOf(runtime.active)) {
                Lifecycle.Step step = Lifecycle.advance(slot.life, now, runtime.timing);
                if (step != null) {
                    events = add(events, apply(runtime, slot, step, now));
                }
                if (runtime.repeating && slot.life.phase() == AlertState.FIRING) {
                    AlertEvent repeat = notifications.repeat(slot, now);
                    if (repeat != null) {
                        markDirty(slot);
                        events = add(events, repeat);
                    }
                }
            }
        }
        return events == null ? List.of() : events;
    }

    private List<AlertEvent> judge(RuleRuntime runtime, AlertSlot slot, Observation observation, long now,
                                   List<AlertEvent> events) {
        Rule rule = runtime.rule;
        if (slot.life.lastTimestamp() != Lifecycle.NONE && observation.timestamp() < slot.life.lastTimestamp()) {
            // Checked before evaluating (Lifecycle would ignore it too) to spend no CEL work on late readings.
            metrics.lateReadings(rule.name()).inc();
            return events;
        }
        if (!Double.isFinite(observation.value())) {
            // An aggregate or rate that overflowed: unknown, not a value to judge or to store.
            metrics.ruleErrors(rule.name()).inc();
            log.warn(rule.name(), "rule {}: derived value for {} is {}; treated as unknown", rule.name(), slot.label(),
                    observation.value());
            return events;
        }
        // A deadline that passed before this observation arrived is met first, as the next tick would have. At
        // the deadline itself the observation decides, as with readings before ticks in one instant.
        Lifecycle.Step due = Lifecycle.advance(slot.life, now, runtime.timing);
        if (due != null && due.timestamp() < observation.timestamp()) {
            events = add(events, apply(runtime, slot, due, now));
        }
        // Still in order: a deadline met above lies before this observation.
        Lifecycle.State before = slot.life;
        boolean when;
        boolean clear;
        runtime.evaluations.inc();
        try {
            when = rule.when().test(observation.variables());
            clear = !when;
            // Only a firing alert asks whether it clears; skipping it otherwise halves the work of most rules.
            if (before.phase() == AlertState.FIRING && rule.clearWhen().isPresent()) {
                clear = rule.clearWhen().get().test(observation.variables());
            }
        } catch (Exception e) {
            // An expression that fails at run time (a missing tag, say) makes the condition unknown: keep the state.
            metrics.ruleErrors(rule.name()).inc();
            log.warn(rule.name(), "rule {}: condition failed for {}: {}", rule.name(), slot.label(), e.getMessage());
            return events;
        }
        slot.value = observation.value();
        slot.inputs = observation.variables();
        return add(events, apply(runtime, slot,
                Lifecycle.next(before, observation.timestamp(), now, when, clear, runtime.timing), now));
    }

    /** A watched key spoke: the silence, if there was one, is over. */
    private AlertEvent heard(RuleRuntime runtime, AlertSlot slot, Reading reading, long now) {
        if (!runtime.watch.heard(slot.derived, reading, now)) {
            metrics.lateReadings(runtime.rule.name()).inc();
            return null;
        }
        // A state reading has no number; 0 stands in for it, as in threshold rules (NaN cannot be stored).
        double value = reading.isState() ? 0 : reading.value();
        slot.value = value;
        if (slot.life.phase() != AlertState.FIRING) {
            return null;
        }
        slot.inputs = reading.isState()
                ? Map.of("sensor", slot.key.sensor(), "timestamp", reading.timestamp(), "state", reading.state())
                : Map.of("sensor", slot.key.sensor(), "timestamp", reading.timestamp(), "value", value);
        return apply(runtime, slot, Lifecycle.resolve(reading.timestamp(), now), now);
    }

    private AlertEvent apply(RuleRuntime runtime, AlertSlot slot, Lifecycle.Step step, long now) {
        Rule rule = runtime.rule;
        Lifecycle.State before = slot.life;
        Lifecycle.State after = step.state();
        slot.life = after;
        AlertState transition = step.transition();
        if (transition != null || before.clearSince() != after.clearSince()) {
            markDirty(slot);
        }
        if (transition != null) {
            if (after.phase() == AlertState.INACTIVE) {
                runtime.active.remove(slot);
            } else {
                runtime.active.add(slot);
            }
            if (after.phase() != AlertState.INACTIVE && after.since() != slot.episodeSince) {
                slot.episodeSince = after.since();
                slot.episodeId = episodeId(rule.name(), slot.key, after.since());
            }
        }
        if (after.phase() == AlertState.INACTIVE) {
            if (transition != null) {
                board.remove(rule.name(), slot.key);
            }
        } else {
            board.put(rule.name(), slot.key, slot.status(now));
        }
        if (transition != AlertState.FIRING && transition != AlertState.RESOLVED) {
            return null;
        }
        metrics.alerts(rule.name(), transition.label()).inc();
        if (transition == AlertState.FIRING) {
            return notifications.fired(slot, step.timestamp(), now);
        }
        // Worked out from the episode's start, as when it fired.
        return notifications.resolved(slot, episodeId(rule.name(), slot.key, before.since()), step.timestamp(),
                before.since(), now);
    }

    private void markDirty(AlertSlot slot) {
        if (!slot.dirty) {
            slot.dirty = true;
            dirty.add(slot);
        }
    }

    /**
     * The durable state of every alert that changed since the last call: transitions, a clearing that started or
     * stopped, notifications. The pipeline commits them with the readings that caused them.
     */
    public List<RuleState> drainChanges() {
        if (dirty.isEmpty()) {
            return List.of();
        }
        List<RuleState> changes = new ArrayList<>(dirty.size());
        for (AlertSlot slot : dirty) {
            slot.dirty = false;
            changes.add(slot.toState());
        }
        dirty.clear();
        return changes;
    }

    /**
     * Takes back the state a previous run committed, before any reading flows. Alerts that were firing stay firing
     * (no new "firing" event, so no action runs again); a pending alert keeps its {@code since}, so its {@code for}
     * resumes instead of starting over; deadlines that passed while the daemon was down are met by the first
     * {@link #onTick()}. State of rules that no longer exist, or whose type changed, is ignored.
     *
     * @param latest the newest stored reading of every series: what has certainly been judged already, and the last
     *               sign of life of every sensor for deadman rules
     * @return how many alert states were restored
     */
    public int restore(List<RuleState> states, List<LatestReading> latest) {
        return recovery.restore(states, latest);
    }

    /**
     * How far back stored readings must be fed to {@link #rebuild} to refill windows, rate windows, baselines and
     * combine inputs; 0 if no rule keeps such memory.
     */
    public long rebuildHorizon() {
        return recovery.horizon();
    }

    /**
     * The event time from which stored readings are fed to {@link #rebuild}: the horizon back from the newest stored
     * reading, or from {@code now} if the clock is behind it; {@code Long.MAX_VALUE} if no rule keeps memory. Not
     * from the clock alone: after a stop longer than a window, or when a shard's new owner restores it while the
     * readings lag, the windows still open are those of the newest readings, and a backlog still to come closes them.
     */
    public long rebuildFrom(List<LatestReading> latest, long now) {
        long horizon = recovery.horizon();
        if (horizon == 0) {
            return Long.MAX_VALUE;
        }
        long newest = latest.stream().mapToLong(LatestReading::timestamp).max().orElse(now);
        return Math.min(now, newest) - horizon;
    }

    /**
     * Feeds a stored reading to the rules' memory only (windows, baselines, latest inputs): whatever it makes them
     * observe was judged before the restart and is not judged again.
     *
     * @return whether a rule of this engine took it (in a cluster, one that feeds a key of this shard)
     */
    public boolean rebuild(Reading reading) {
        return recovery.rebuild(reading);
    }

    /**
     * A new, empty engine for the same rules, board, silences and acknowledgements that owns only the keys
     * {@code owns} accepts: one shard of a cluster's sensors and groups, whose alerts the inhibitors firing in other
     * shards mute as {@code inhibitions} holds them. Restore it before its first reading.
     */
    public RuleEngine partition(java.util.function.Predicate<AlertKey> owns, Inhibitions inhibitions) {
        RuleEngine part = new RuleEngine(runtimes.stream().map(r -> r.rule).toList(), clock, board, metrics,
                silences, acknowledgements, owns, inhibitions);
        part.slotLimit = slotLimit;
        return part;
    }

    /**
     * A new engine for a new rule set that takes over this one's state for every rule whose name, type, match and
     * derivation are unchanged: its windows, baselines, pending clocks and firing alerts carry on as if nothing had
     * happened. A change of condition, timing, severity or actions keeps the state too. The alerts of rules that were
     * removed or changed in kind leave the board; their state is dropped. Call from the stage that owns this engine;
     * this engine must not be used afterwards.
     *
     * @param kept filled with the names of the rules whose state was kept
     */
    public RuleEngine reloaded(List<Rule> rules, List<String> kept) {
        RuleEngine next = new RuleEngine(rules, clock, board, metrics, silences, acknowledgements, owns, inhibitions);
        next.slotLimit = slotLimit;
        Map<String, RuleRuntime> old = new HashMap<>();
        runtimes.forEach(runtime -> old.put(runtime.rule.name(), runtime));
        for (RuleRuntime runtime : next.runtimes) {
            RuleRuntime previous = old.remove(runtime.rule.name());
            if (previous == null) {
                continue;
            }
            if (!sameKind(previous, runtime)) {
                old.put(previous.rule.name(), previous);
                continue;
            }
            // Deadman sensors listed in the new rule were seeded by the constructor; what was seen before wins.
            next.slotCount -= runtime.slots.size();
            runtime.slots.clear();
            for (AlertSlot slot : previous.slots.values()) {
                slot.runtime = runtime;
                if (slot.repeats != null && slot.repeats.length != runtime.rule.actions().size()) {
                    slot.repeats = null;
                }
                runtime.slots.put(slot.key, slot);
                if (slot.life.phase() != AlertState.INACTIVE) {
                    runtime.active.add(slot);
                }
            }
            next.slotCount += runtime.slots.size();
            next.watchListedSensors(runtime, clock.millis());
            kept.add(runtime.rule.name());
        }
        for (RuleRuntime gone : old.values()) {
            for (AlertSlot slot : gone.slots.values()) {
                if (slot.life.phase() != AlertState.INACTIVE) {
                    board.remove(gone.rule.name(), slot.key);
                }
            }
        }
        return next;
    }

    private static boolean sameKind(RuleRuntime a, RuleRuntime b) {
        return a.signature.equals(b.signature);
    }

    /**
     * The slot a matched reading feeds, or null if its tags do not match, the rule has no use for it, or the table
     * is full of slots that cannot be dropped.
     */
    AlertSlot slotFor(RuleRuntime runtime, Reading reading) {
        Match match = runtime.rule.match();
        if (!match.tags().isEmpty() && !match.matchesTags(reading.tags())) {
            return null;
        }
        AlertKey key = runtime.rule.derivation().keyOf(reading);
        if (key == null) {
            return null;
        }
        AlertSlot slot = runtime.slots.get(key);
        if (slot != null) {
            return slot;
        }
        if (slotCount >= slotLimit && !makeRoom()) {
            metrics.ruleSlotsRefused(runtime.rule.name()).inc();
            log.warn("slots", "rule {}: no state for the new key {} {} {}: {} rule states are kept, the most "
                    + "pipeline.max-rule-slots allows, and none is inactive; its readings are stored, not evaluated",
                    runtime.rule.name(), key.sensor(), key.metric(), key.group(), slotCount);
            return null;
        }
        return slot(runtime, key);
    }

    /**
     * Sets the most per-key states kept. Then the first key past it drops the inactive ones; when that leaves the
     * table more than 90 % full, the next scan waits for a tenth of the limit of refused keys, so that a flood of new
     * keys costs one scan per that many instead of a walk over every slot for each of them.
     */
    public void limitSlots(int limit) {
        this.slotLimit = limit;
    }

    /** The per-key states kept now; read by a metrics scrape from another thread, so possibly a moment old. */
    public int slotCount() {
        return slotCount;
    }

    private boolean makeRoom() {
        if (refusedSinceScan < Math.max(1, slotLimit / 10)) {
            refusedSinceScan++;
            return false;
        }
        evictInactive();
        refusedSinceScan = slotCount > slotLimit - Math.max(1, slotLimit / 10) ? 1 : Integer.MAX_VALUE;
        return slotCount < slotLimit;
    }

    /** Whether this engine judges {@code key}: always for a daemon alone, in a cluster for its shard's keys. */
    boolean owns(AlertKey key) {
        return key != null && (ownsAll || owns.test(key));
    }

    /** Whether the key {@code reading} feeds of the rule is this engine's; {@code sensorOwned} for per-sensor rules. */
    private boolean ownsFor(RuleRuntime runtime, Reading reading, boolean sensorOwned) {
        return runtime.rule.derivation().groupBy().isEmpty() ? sensorOwned
                : owns(runtime.rule.derivation().keyOf(reading));
    }

    /** Whether the rule's key for {@code reading} is this engine's: for a rebuild, which has no per-reading pass. */
    boolean ownsReading(RuleRuntime runtime, Reading reading) {
        return ownsAll || ownsFor(runtime, reading, owns.test(AlertKey.sensor(reading.sensor())));
    }

    /**
     * The slot of {@code key}, made on first use, past the limit too: restart recovery fills the table through here
     * (what the store kept was within the limit when it was written), and deadman rules for the sensors they list.
     */
    AlertSlot slot(RuleRuntime runtime, AlertKey key) {
        AlertSlot slot = runtime.slots.get(key);
        if (slot != null) {
            return slot;
        }
        slot = new AlertSlot(runtime, key, runtime.rule.derivation().newState());
        runtime.slots.put(key, slot);
        slotCount++;
        return slot;
    }

    private void evictInactive() {
        int count = 0;
        for (RuleRuntime runtime : runtimes) {
            if (runtime.watch == null) {
                runtime.slots.values().removeIf(slot -> slot.life.phase() == AlertState.INACTIVE);
            }
            count += runtime.slots.size();
        }
        slotCount = count;
    }

    /** The rules whose match takes the reading's sensor and metric, remembered per series. */
    RuleRuntime[] matching(Reading reading) {
        SeriesKey cacheKey = new SeriesKey(reading.sensor(), reading.metric());
        RuleRuntime[] cached = matchCache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        RuleRuntime[] result = runtimes.stream()
                .filter(runtime -> runtime.rule.match().matchesSeries(reading.sensor(), reading.metric()))
                .toArray(RuleRuntime[]::new);
        if (result.length == 0) {
            result = NONE_MATCH;
        }
        if (matchCache.size() >= MATCH_CACHE_LIMIT) {
            matchCache.clear();
        }
        matchCache.put(cacheKey, result);
        return result;
    }

    private static List<AlertEvent> add(List<AlertEvent> events, AlertEvent event) {
        if (event == null) {
            return events;
        }
        List<AlertEvent> result = events == null ? new ArrayList<>(1) : events;
        result.add(event);
        return result;
    }

    /** The same firing episode always gets the same id, even when it is evaluated again after a redelivery. */
    static String episodeId(String rule, AlertKey key, long since) {
        String text = rule + '\u0000' + key.sensor() + '\u0000' + key.metric() + '\u0000' + key.group() + '\u0000'
                + since;
        return UUID.nameUUIDFromBytes(text.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
