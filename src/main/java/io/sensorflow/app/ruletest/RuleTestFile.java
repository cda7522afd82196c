package io.sensorflow.app.ruletest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.config.Binding;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.Hocon;
import io.sensorflow.config.Section;
import io.sensorflow.model.AlertState;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rule test file, like {@code promtool test rules}: the rules under test (a config file), then cases that each feed
 * readings at given times and list the alert transitions, and optionally the rendered actions, expected.
 *
 * <pre>
 * rules = "greenhouse.conf"            # relative to this file
 * start = "2026-01-01T00:00:00Z"       # time 0 of every case (default)
 * tick = 1s                            # how often the clock moves the rules on between readings
 * tests = [{
 *   name = "fan turns on after two minutes above 30"
 *   rules = [fan-on]                   # whose transitions count; default: those named in expect (all if none)
 *   restarts = [5m]                    # the daemon crashes and starts again at these times
 *   readings = [
 *     { at = 0s, sensor = gh-1, metric = temperature, value = 31, tags { zone = north } }
 *     { at = 1m, sensor = gh-1, metric = temperature, values = [32, 33, 20], every = 1m }
 *     { at = 10s, arrive = 5m, sensor = gh-2, metric = temperature, value = 40 }   # arrives late
 *   ]
 *   expect = [
 *     { at = 2m, rule = fan-on, sensor = gh-1, state = firing,
 *       actions = [{ action = fan, topic = "actuators/gh-1/fan", payload = "{\"on\": true}" }] }
 *   ]
 * }]
 * </pre>
 */
public record RuleTestFile(Path file, SensorflowConfig config, long start, long tick, List<Case> cases) {

    /**
     * One test case.
     *
     * @param rules    the rules whose transitions are compared; empty means every rule
     * @param restarts times (ms after start) at which the daemon crashes and starts again
     */
    public record Case(String name, List<Input> readings, List<Expected> expect, long until, Set<String> rules,
                       List<Long> restarts) {
    }

    /** One reading, at {@code at} event time (ms after start), arriving at {@code arrive}. */
    public record Input(long at, long arrive, String sensor, String metric, double value, Map<String, String> tags) {
    }

    /** One expected transition; null fields match anything. */
    public record Expected(long at, String rule, String sensor, String metric, String group, AlertState state,
                           Boolean repeat, Double value, List<Map<String, String>> actions, int line) {
    }

    /** Parses a test file and the rules file it names. @throws ConfigException with every problem */
    public static RuleTestFile load(Path file) {
        Config parsed = Hocon.resolve(Hocon.parseFile(file, "test file"), ConfigFactory.empty());
        Binding binding = Binding.plain();
        Section root = binding.root(parsed, "");
        String rulesName = root.string("rules");
        long start = instant(root);
        long tick = root.has("tick") ? root.positiveDuration("tick").toMillis() : 1_000;
        List<Case> cases = new ArrayList<>();
        for (Section c : root.sectionList("tests", null)) {
            cases.add(parseCase(c));
        }
        binding.rejectUnread(parsed.root(), "", java.util.Set.of());
        binding.throwIfProblems();
        Path rulesFile = file.toAbsolutePath().getParent().resolve(rulesName);
        SensorflowConfig config = ConfigLoader.load(rulesFile, ConfigLoader.Scope.RULES);
        return new RuleTestFile(file, config, start, tick, cases);
    }

    private static long instant(Section root) {
        if (!root.has("start")) {
            return Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        }
        String text = root.string("start");
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            root.problem("start", "must be an ISO-8601 instant such as 2026-01-01T00:00:00Z, got '" + text + "'");
            return 0;
        }
    }

    private static Case parseCase(Section c) {
        String name = c.string("name");
        List<Input> readings = new ArrayList<>();
        for (Section r : c.sectionList("readings", null)) {
            long at = r.duration("at").toMillis();
            long arrive = r.has("arrive") ? r.duration("arrive").toMillis() : at;
            String sensor = r.string("sensor");
            String metric = r.string("metric");
            Map<String, String> tags = r.has("tags") ? r.stringMap("tags") : Map.of();
            if (r.has("values")) {
                long every = r.positiveDuration("every").toMillis();
                List<Double> values = r.doubleList("values");
                for (int i = 0; i < values.size(); i++) {
                    readings.add(new Input(at + i * every, arrive + i * every, sensor, metric, values.get(i), tags));
                }
            } else {
                readings.add(new Input(at, arrive, sensor, metric, r.decimal("value", -Double.MAX_VALUE,
                        Double.MAX_VALUE), tags));
            }
        }
        List<Expected> expect = new ArrayList<>();
        if (c.has("expect")) {
            for (Section e : c.sectionList("expect", null)) {
                expect.add(parseExpected(e));
            }
        }
        long until = c.has("until") ? c.duration("until").toMillis() : -1;
        // Without a list, a case checks the rules its expectations name, so that a case about one rule is not
        // broken by every other rule of the file; a case that expects nothing checks them all.
        Set<String> rules = new LinkedHashSet<>(c.has("rules") ? c.stringList("rules") : List.of());
        if (rules.isEmpty()) {
            expect.forEach(e -> rules.add(e.rule()));
        }
        List<Long> restarts = new ArrayList<>();
        if (c.has("restarts")) {
            for (String text : c.stringList("restarts")) {
                try {
                    restarts.add(io.sensorflow.config.Durations.parse(text).toMillis());
                } catch (IllegalArgumentException e) {
                    c.problem("restarts", "must list durations such as 5m, got '" + text + "'");
                }
            }
        }
        return new Case(name, readings, expect, until, rules, restarts);
    }

    private static Expected parseExpected(Section e) {
        long at = e.duration("at").toMillis();
        String rule = e.string("rule");
        String sensor = e.optionalString("sensor").orElse(null);
        String metric = e.optionalString("metric").orElse(null);
        String group = e.optionalString("group").orElse(null);
        AlertState state = switch (e.string("state")) {
            case "firing" -> AlertState.FIRING;
            case "resolved" -> AlertState.RESOLVED;
            default -> {
                e.problem("state", "must be firing or resolved (the transitions that run actions)");
                yield AlertState.FIRING;
            }
        };
        Boolean repeat = e.has("repeat") ? e.bool("repeat") : null;
        Double value = e.has("value") ? e.decimal("value", -Double.MAX_VALUE, Double.MAX_VALUE) : null;
        List<Map<String, String>> actions = null;
        if (e.has("actions")) {
            actions = new ArrayList<>();
            for (Section a : e.sectionList("actions", null)) {
                actions.add(new LinkedHashMap<>(a.asStringMap()));
            }
        }
        return new Expected(at, rule, sensor, metric, group, state, repeat, value, actions,
                e.originOf("at").lineNumber());
    }

    /** The latest time a case needs the clock to reach: its last reading or expectation, or {@code until}. */
    static long end(Case c) {
        long end = 0;
        for (Input input : c.readings()) {
            end = Math.max(end, Math.max(input.at(), input.arrive()));
        }
        for (Expected e : c.expect()) {
            end = Math.max(end, e.at());
        }
        for (long restart : c.restarts()) {
            end = Math.max(end, restart);
        }
        return Math.max(end, c.until());
    }
}
