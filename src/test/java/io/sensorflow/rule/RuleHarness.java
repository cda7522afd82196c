package io.sensorflow.rule;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.config.ConfigLoader;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.testing.ManualClock;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
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
    final RuleEngine engine;
    final List<AlertEvent> events = new ArrayList<>();

    RuleHarness(String rules) {
        this(rules, 0);
    }

    RuleHarness(String rules, long start) {
        clock.set(start);
        String config = "sensorflow { rules { " + rules + " }\n actions { fan { type = log }, page { type = log } } }";
        engine = new RuleEngine(List.copyOf(ConfigLoader.bind(ConfigFactory.parseString(config),
                ConfigLoader.Scope.RULES).rules().values()), clock, board, metrics);
    }

    List<AlertEvent> read(String sensor, String metric, double value, long t) {
        return read(sensor, metric, value, t, Map.of());
    }

    List<AlertEvent> read(String sensor, String metric, double value, long t, Map<String, String> tags) {
        clock.set(Math.max(clock.millis(), t));
        List<AlertEvent> out = engine.onReading(new Reading(sensor, metric, value, t, tags, "test"));
        events.addAll(out);
        return out;
    }

    /** Moves the clock to {@code t} and lets the engine act on it. */
    List<AlertEvent> tick(long t) {
        clock.set(t);
        List<AlertEvent> out = engine.onTick();
        events.addAll(out);
        return out;
    }

    double late(String rule) {
        return metrics.lateReadings(rule).get();
    }
}
