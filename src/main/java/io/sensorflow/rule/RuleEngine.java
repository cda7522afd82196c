package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
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
 * Evaluates every rule against every reading it matches and turns lifecycle transitions into alert events.
 *
 * <p>Not thread-safe: one stream stage owns it. State is keyed by (rule, sensor, metric) so that it can later be
 * sharded by sensor and restored from the store.
 */
public final class RuleEngine {

    /** Bounds the match cache; a flood of distinct sensor names must not grow memory without limit. */
    private static final int MATCH_CACHE_LIMIT = 100_000;
    /**
     * Bounds the lifecycle states. Past it, inactive states are dropped (pending and firing ones never are); a
     * dropped state only forgets the newest timestamp of a quiet series.
     */
    static final int STATE_LIMIT = 1_000_000;

    private final List<Rule> rules;
    private final Clock clock;
    private final AlertBoard board;
    private final Metrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RuleEngine.class));
    private final Map<SeriesKey, List<Rule>> matchCache = new HashMap<>();
    private final Map<StateKey, Lifecycle.State> states = new HashMap<>();

    public RuleEngine(List<Rule> rules, Clock clock, AlertBoard board, Metrics metrics) {
        this.rules = List.copyOf(rules);
        this.clock = clock;
        this.board = board;
        this.metrics = metrics;
    }

    /** Evaluates one reading; returns the FIRING and RESOLVED events it caused, usually none. */
    public List<AlertEvent> onReading(Reading reading) {
        List<Rule> matching = matching(reading);
        if (matching.isEmpty()) {
            return List.of();
        }
        Map<String, Object> variables = Condition.variables(reading);
        List<AlertEvent> events = null;
        for (Rule rule : matching) {
            AlertEvent event = evaluate(rule, reading, variables);
            if (event != null) {
                if (events == null) {
                    events = new ArrayList<>(1);
                }
                events.add(event);
            }
        }
        return events == null ? List.of() : events;
    }

    private AlertEvent evaluate(Rule rule, Reading reading, Map<String, Object> variables) {
        StateKey key = new StateKey(rule.name(), reading.sensor(), reading.metric());
        Lifecycle.State before = states.getOrDefault(key, Lifecycle.State.INITIAL);
        if (reading.timestamp() < before.lastTimestamp()) {
            // Checked before evaluating (Lifecycle would ignore it too) to spend no CEL work on late readings.
            metrics.lateReadings(rule.name()).inc();
            return null;
        }
        boolean when;
        boolean clear;
        try {
            when = rule.when().test(variables);
            clear = !when;
            // Only a firing alert asks whether it clears; skipping it otherwise halves the work of most rules.
            if (before.phase() == AlertState.FIRING && rule.clearWhen().isPresent()) {
                clear = rule.clearWhen().get().test(variables);
            }
        } catch (Exception e) {
            // An expression that fails at run time (a missing tag, say) makes the condition unknown: keep the state.
            metrics.ruleErrors(rule.name()).inc();
            log.warn(rule.name(), "rule {}: condition failed for sensor {} metric {}: {}",
                    rule.name(), reading.sensor(), reading.metric(), e.getMessage());
            return null;
        }
        Lifecycle.Step step = Lifecycle.next(before, reading.timestamp(), when, clear, rule.forDuration().toMillis());
        Lifecycle.State after = step.state();
        // Inactive states are kept too: their timestamp is what stops a redelivered old reading from firing again.
        if (states.size() >= STATE_LIMIT && !states.containsKey(key)) {
            states.values().removeIf(state -> state.phase() == AlertState.INACTIVE);
        }
        states.put(key, after);
        long now = clock.millis();
        AlertState transition = step.transition();
        long since = transition == AlertState.RESOLVED ? before.since() : after.since();
        String id = episodeId(rule.name(), reading.sensor(), reading.metric(), since);
        if (after.phase() == AlertState.INACTIVE) {
            if (transition != null) {
                board.remove(rule.name(), reading.sensor(), reading.metric());
            }
        } else {
            board.put(new AlertStatus(id, rule.name(), reading.sensor(), reading.metric(), after.phase(),
                    rule.severity().label(), reading.value(), after.since(), now));
        }
        if (transition != AlertState.FIRING && transition != AlertState.RESOLVED) {
            return null;
        }
        metrics.alerts(rule.name(), transition.label()).inc();
        return new AlertEvent(id, rule.name(), reading.sensor(), reading.metric(), transition,
                rule.severity().label(), reading.value(), reading.timestamp(), since, now);
    }

    private List<Rule> matching(Reading reading) {
        SeriesKey cacheKey = new SeriesKey(reading.sensor(), reading.metric());
        List<Rule> cached = matchCache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        List<Rule> result = rules.stream().filter(rule -> rule.matches(reading)).toList();
        if (matchCache.size() >= MATCH_CACHE_LIMIT) {
            matchCache.clear();
        }
        matchCache.put(cacheKey, result);
        return result;
    }

    /** The same firing episode always gets the same id, even when it is evaluated again after a redelivery. */
    static String episodeId(String rule, String sensor, String metric, long since) {
        String text = rule + '\u0000' + sensor + '\u0000' + metric + '\u0000' + since;
        return UUID.nameUUIDFromBytes(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private record StateKey(String rule, String sensor, String metric) {
    }

    private record SeriesKey(String sensor, String metric) {
    }
}
