package io.sensorflow.rule;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import io.sensorflow.rule.testing.ManualClock;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules parsed from HOCON, as an operator writes them, run by a real engine on a manual clock. By default a reading
 * arrives at its own event time.
 */
final class RuleHarness {

    final ManualClock clock = new ManualClock(0);
    final AlertBoard board = new AlertBoard();
    final Metrics metrics = new Metrics();
    final Silences silences = new Silences();
    final Acknowledgements acknowledgements = new Acknowledgements();
    final String rules;
    RuleEngine engine;
    final List<AlertEvent> events = new ArrayList<>();
    /** What a store would hold: the committed rule states (last write wins) and readings. */
    final Map<String, RuleState> committed = new LinkedHashMap<>();
    final List<Reading> stored = new ArrayList<>();

    RuleHarness(String rules) {
        this(rules, 0);
    }

    RuleHarness(String rules, long start) {
        clock.set(start);
        this.rules = rules;
        engine = newEngine(board);
    }

    private RuleEngine newEngine(AlertBoard alerts) {
        return new RuleEngine(parse(rules), clock, alerts, metrics, silences, acknowledgements);
    }

    /** Rules as an operator writes them, with the actions {@code fan} and {@code page} defined. */
    static List<Rule> parse(String rules) {
        String config = "sensorflow { rules { " + rules + " }\n actions { fan { type = log }, page { type = log } } }";
        return List.copyOf(ConfigLoader.bind(ConfigFactory.parseString(config), ConfigLoader.Scope.RULES).rules()
                .values());
    }

    /** Commits what changed, as the pipeline does after every message. */
    void commit() {
        for (RuleState state : engine.drainChanges()) {
            committed.put(state.rule() + "/" + state.sensor() + "/" + state.metric() + "/" + state.group(), state);
        }
    }

    /**
     * A crash and a start at {@code t}: a new engine resumes from the committed states, the newest stored reading of
     * every series, and the stored readings within its rebuild horizon; its first tick comes at once.
     */
    List<AlertEvent> restart(long t) {
        clock.set(t);
        AlertBoard fresh = new AlertBoard();
        engine = newEngine(fresh);
        io.sensorflow.rule.testing.VirtualTime.resume(engine, committed.values(), stored, t);
        lastBoard = fresh;
        return tick(t);
    }

    AlertBoard lastBoard;

    List<AlertEvent> read(String sensor, String metric, double value, long t) {
        return read(sensor, metric, value, t, Map.of());
    }

    List<AlertEvent> read(String sensor, String metric, double value, long t, Map<String, String> tags) {
        return feed(new Reading(sensor, metric, value, t, tags, "test"));
    }

    /** Hands a reading to the engine at its own event time (or later), stores it and commits. */
    List<AlertEvent> feed(Reading reading) {
        clock.set(Math.max(clock.millis(), reading.timestamp()));
        List<AlertEvent> out = engine.onReading(reading);
        stored.add(reading);
        commit();
        events.addAll(out);
        return out;
    }

    /** A reading in a unit. */
    List<AlertEvent> readIn(String sensor, String metric, double value, String unit, long t) {
        return feed(new Reading(sensor, metric, value, t, Map.of(), "test", unit));
    }

    /** A state reading. */
    List<AlertEvent> readState(String sensor, String metric, String state, long t) {
        return feed(Reading.ofState(sensor, metric, state, t, Map.of(), "test"));
    }

    /** Moves the clock to {@code t} and lets the engine act on it. */
    List<AlertEvent> tick(long t) {
        clock.set(t);
        List<AlertEvent> out = engine.onTick();
        commit();
        events.addAll(out);
        return out;
    }

    double late(String rule) {
        return metrics.lateReadings(rule).get();
    }
}
