package io.sensorflow.rule;

import io.sensorflow.config.Section;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Reads one {@code rules.<name>} section into a {@link Rule}, compiling its CEL conditions. */
public final class RuleParser {

    private RuleParser() {
    }

    public static Rule parse(Section s) {
        String type = s.string("type");
        if (!type.equals("threshold") && s.has("type")) {
            s.problem("type", "must be threshold (the only rule type so far), got '" + type + "'");
        }
        Section match = s.section("match");
        Glob sensor = Glob.of(match.string("sensor"));
        Glob metric = Glob.of(match.string("metric"));
        match.rejectUnknownKeys();
        Condition when = condition(s, "when");
        Optional<Condition> clearWhen = s.has("clear-when") ? Optional.ofNullable(condition(s, "clear-when")) : Optional.empty();
        Duration forDuration = s.duration("for");
        Severity severity = s.enumValue("severity", Severity.class, Severity.WARNING);
        List<String> actions = s.stringList("actions");
        s.rejectUnknownKeys();
        return new Rule(s.name(), sensor, metric, when, clearWhen, forDuration, severity, actions);
    }

    private static Condition condition(Section s, String key) {
        String expression = s.string(key);
        if (expression.isBlank()) {
            if (s.has(key)) {
                s.problem(key, "must not be empty");
            }
            return null;
        }
        Condition.Compiled compiled = Condition.compile(expression);
        if (compiled.error() != null) {
            s.problem(key, compiled.error());
        }
        return compiled.condition();
    }
}
