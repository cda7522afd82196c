package io.sensorflow.rule;

import io.sensorflow.model.AlertState;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One rule as the engine runs it: its per-key slots, and what the engine often asks of the rule, worked out once. */
final class RuleRuntime {
    final Rule rule;
    final Lifecycle.Timing timing;
    final Map<AlertKey, AlertSlot> slots = new HashMap<>();
    /** How the clock judges the rule, for a type that fires on silence; null for the others. */
    final Watch<Object> watch;
    /** Pending and firing slots: the ones the clock may have to move. */
    final Set<AlertSlot> active = Collections.newSetFromMap(new IdentityHashMap<>());
    final boolean repeating;
    final List<String> onFiring;
    final List<String> onResolved;

    /** Conditions judged for this rule ({@code sensorflow_rule_evaluations_total}); set by the engine that runs it. */
    io.prometheus.metrics.core.datapoints.CounterDataPoint evaluations;

    /** The rule's kind: type, match and derivation; state written under another kind is not restored. */
    final String signature;

    @SuppressWarnings("unchecked")
    RuleRuntime(Rule rule) {
        this.rule = rule;
        this.watch = (Watch<Object>) rule.derivation().watch().orElse(null);
        this.signature = rule.type().name() + " | " + rule.match() + " | " + rule.derivation().signature();
        this.timing = rule.timing();
        this.repeating = rule.actions().stream().anyMatch(ActionRef::repeats);
        this.onFiring = rule.actions().stream().filter(a -> a.on().contains(AlertState.FIRING))
                .map(ActionRef::action).toList();
        this.onResolved = rule.actions().stream().filter(a -> a.on().contains(AlertState.RESOLVED))
                .map(ActionRef::action).toList();
    }

    List<String> actionsOn(AlertState state) {
        return state == AlertState.FIRING ? onFiring : onResolved;
    }
}
