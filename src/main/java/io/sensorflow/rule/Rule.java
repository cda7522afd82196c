package io.sensorflow.rule;

import io.sensorflow.config.ComponentType;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A rule as configured: which readings it looks at ({@code match}), what value its condition sees ({@code type},
 * through a {@link Derivation}), when it fires and clears, and what it triggers.
 *
 * @param type      the rule type, which made the derivation
 * @param when      the firing condition; null only for types the clock judges ({@link Derivation#conditionless()})
 * @param clearWhen the clearing condition; empty means "not when"
 * @param cooldown  after an episode's firing actions ran, a new episode's actions are held back for this long
 * @param inhibit   which other rules' actions this rule holds back while it fires
 * @param unit      the unit the rule's numbers are in: a reading in another unit is converted to it when it can be
 *                  (temperatures, pressures; {@link Units}) and otherwise not evaluated by this rule
 */
public record Rule(String name, ComponentType<Derivation<?>> type, Match match, Derivation<?> derivation, Condition when,
                   Optional<Condition> clearWhen, Duration forDuration, Duration clearFor, Severity severity,
                   List<ActionRef> actions, Duration cooldown, Optional<Inhibit> inhibit, String description,
                   Optional<String> unit) {

    public Rule {
        actions = List.copyOf(actions);
    }

    public Lifecycle.Timing timing() {
        return new Lifecycle.Timing(forDuration.toMillis(), clearFor.toMillis());
    }

    public List<String> actionNames() {
        return actions.stream().map(ActionRef::action).distinct().toList();
    }
}
