package io.sensorflow.rule;

import io.sensorflow.config.ComponentType;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;
import io.sensorflow.model.AlertState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one {@code rules.<name>} section into a {@link Rule}: the keys every type shares here, the type's own keys
 * through its rule type, CEL conditions compiled against the type's variables. Every problem is recorded with its
 * file and line; nothing throws.
 */
public final class RuleParser {

    private RuleParser() {
    }

    /** @param types the rule types, by the name {@code type} selects them by */
    public static Rule parse(Section section, Registry<ComponentType<Derivation<?>>> types) {
        ComponentType<Derivation<?>> type = type(section, types);
        Section s = section.withDefaults(section.defaults("rule-types." + type.name()));
        Match match = match(s.section("match"));
        Derivation<?> derivation = type.parse(s);

        Condition when = null;
        Optional<Condition> clearWhen = Optional.empty();
        Duration forDuration = Duration.ZERO;
        Duration clearFor = Duration.ZERO;
        Optional<String> conditionless = derivation.conditionless();
        if (conditionless.isPresent()) {
            for (String key : List.of("when", "clear-when", "for", "clear-for")) {
                if (s.isUserSet(key)) {
                    s.problem(key, "does not apply to " + type.name() + " rules: " + conditionless.get());
                }
                s.has(key);
            }
        } else {
            Optional<String> fallback = s.has("when") ? Optional.empty() : derivation.defaultCondition();
            when = condition(s, "when", fallback.orElse(null), derivation);
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
        return new Rule(s.name(), type, match, derivation, when, clearWhen, forDuration, clearFor, severity, actions,
                cooldown, inhibit, description, unit);
    }

    private static ComponentType<Derivation<?>> type(Section s, Registry<ComponentType<Derivation<?>>> types) {
        String raw = s.string("type");
        Optional<ComponentType<Derivation<?>>> type = types.get(raw);
        if (type.isEmpty()) {
            s.problem("type", "unknown rule type '" + raw + "'; one of " + types.names());
        }
        // An unknown type is reported; the rest of the rule is still checked, as a threshold rule.
        return type.orElseGet(() -> types.all().iterator().next());
    }

    private static Match match(Section m) {
        Glob sensor = Glob.of(m.string("sensor"));
        Glob metric = Glob.of(m.string("metric"));
        var tags = new java.util.LinkedHashMap<String, Glob>();
        if (m.has("tags")) {
            m.stringMap("tags").forEach((tag, glob) -> tags.put(tag, Glob.of(glob)));
        }
        return new Match(sensor, metric, tags);
    }

    private static Inhibit inhibit(Section i) {
        List<String> rules = i.stringList("rules");
        if (i.has("rules") && rules.isEmpty()) {
            i.problem("rules", "must name at least one rule (globs allowed)");
        }
        List<String> equal = i.has("equal") ? i.stringList("equal") : List.of();
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
