package io.sensorflow.rule;

import io.sensorflow.config.Section;
import io.sensorflow.model.AlertState;
import io.sensorflow.rule.type.Anomaly;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads one {@code rules.<name>} section into a {@link Rule}: the keys every type shares here, the type's own keys
 * through {@link RuleType}, CEL conditions compiled against the type's variables. Every problem is recorded with its
 * file and line; nothing throws.
 */
public final class RuleParser {

    private RuleParser() {
    }

    public static Rule parse(Section section) {
        RuleType type = type(section);
        Section s = section.withDefaults(section.defaults("rule-types." + type.label()));
        s.has("type");
        Match match = match(s.section("match"));
        Derivation<?> derivation = type.parse(s);

        Condition when = null;
        Optional<Condition> clearWhen = Optional.empty();
        Duration forDuration = Duration.ZERO;
        Duration clearFor = Duration.ZERO;
        if (type == RuleType.DEADMAN) {
            for (String key : List.of("when", "clear-when", "for", "clear-for")) {
                if (s.isUserSet(key)) {
                    s.problem(key, "does not apply to deadman rules: they fire after `after` of silence and resolve "
                            + "on the next reading");
                }
                s.has(key);
            }
        } else {
            if (type == RuleType.ANOMALY && !s.has("when")) {
                when = condition(s, "when", Anomaly.defaultCondition(), derivation);
            } else {
                when = condition(s, "when", null, derivation);
            }
            clearWhen = s.has("clear-when") ? Optional.ofNullable(condition(s, "clear-when", null, derivation))
                    : Optional.empty();
            forDuration = s.duration("for");
            clearFor = s.duration("clear-for");
        }
        Severity severity = s.enumValue("severity", Severity.class, Severity.WARNING);
        List<ActionRef> actions = actions(s);
        Duration cooldown = s.duration("cooldown");
        Optional<Inhibit> inhibit = s.has("inhibit") ? Optional.of(inhibit(s.section("inhibit"))) : Optional.empty();
        String description = s.optionalString("description").orElse("");
        Optional<String> unit = s.optionalString("unit").filter(u -> !u.isEmpty());
        s.rejectUnknownKeys();
        return new Rule(s.name(), type, match, derivation, when, clearWhen, forDuration, clearFor, severity, actions,
                cooldown, inhibit, description, unit);
    }

    private static RuleType type(Section s) {
        String raw = s.string("type");
        for (RuleType type : RuleType.values()) {
            if (type.label().equals(raw)) {
                return type;
            }
        }
        s.problem("type", "unknown rule type '" + raw + "'; one of " + Arrays.stream(RuleType.values())
                .map(RuleType::label).collect(Collectors.joining(", ")));
        return RuleType.THRESHOLD;
    }

    private static Match match(Section m) {
        Glob sensor = Glob.of(m.string("sensor"));
        Glob metric = Glob.of(m.string("metric"));
        var tags = new java.util.LinkedHashMap<String, Glob>();
        if (m.has("tags")) {
            m.stringMap("tags").forEach((tag, glob) -> tags.put(tag, Glob.of(glob)));
        }
        m.rejectUnknownKeys();
        return new Match(sensor, metric, tags);
    }

    private static Inhibit inhibit(Section i) {
        List<String> rules = i.stringList("rules");
        if (i.has("rules") && rules.isEmpty()) {
            i.problem("rules", "must name at least one rule (globs allowed)");
        }
        List<String> equal = i.has("equal") ? i.stringList("equal") : List.of();
        i.rejectUnknownKeys();
        return new Inhibit(rules.stream().map(Glob::of).toList(), equal);
    }

    private static List<ActionRef> actions(Section s) {
        List<ActionRef> result = new ArrayList<>();
        for (Object element : s.stringsOrSections("actions")) {
            if (element instanceof String name) {
                result.add(ActionRef.of(name));
                continue;
            }
            Section a = (Section) element;
            String name = a.string("action");
            Set<AlertState> on = EnumSet.noneOf(AlertState.class);
            if (a.has("on")) {
                List<String> states = a.stringList("on");
                for (String state : states) {
                    switch (state.toLowerCase(Locale.ROOT)) {
                        case "firing" -> on.add(AlertState.FIRING);
                        case "resolved" -> on.add(AlertState.RESOLVED);
                        default -> a.problem("on", "must list firing and/or resolved, got '" + state + "'");
                    }
                }
                if (states.isEmpty()) {
                    a.problem("on", "must list firing and/or resolved; an action that never runs is a mistake");
                }
            } else {
                on.addAll(ActionRef.DEFAULT_ON);
            }
            Duration repeat = a.has("repeat-every") ? a.positiveDuration("repeat-every") : Duration.ZERO;
            if (!repeat.isZero() && !on.contains(AlertState.FIRING)) {
                a.problem("repeat-every", "repeats the firing actions, but this action does not run on firing");
            }
            a.rejectUnknownKeys();
            result.add(new ActionRef(name, on.isEmpty() ? ActionRef.DEFAULT_ON : on, repeat));
        }
        return result;
    }

    private static Condition condition(Section s, String key, String fallback, Derivation<?> derivation) {
        String expression = fallback != null ? fallback : s.string(key);
        if (expression.isBlank()) {
            if (s.has(key)) {
                s.problem(key, "must not be empty");
            }
            return null;
        }
        Condition.Compiled compiled = Condition.compile(expression, derivation.variables());
        if (compiled.error() != null) {
            s.problem(key, compiled.error());
        }
        return compiled.condition();
    }
}
