package io.sensorflow.rule;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alerts that are pending or firing right now. The rule engine is the only writer (from its stream stage); HTTP
 * readers take snapshots from any thread.
 */
public final class AlertBoard {

    private final ConcurrentHashMap<Key, AlertStatus> alerts = new ConcurrentHashMap<>();
    /** For a board that shows what others found: its alerts; null for the engine's own board. */
    private final java.util.function.Supplier<List<AlertStatus>> view;

    public AlertBoard() {
        this.view = null;
    }

    private AlertBoard(java.util.function.Supplier<List<AlertStatus>> view) {
        this.view = view;
    }

    /**
     * A board that no engine writes to, showing what {@code alerts} gives: in a cluster, the pending and firing
     * alerts of every node's shards, as the shared store holds them.
     */
    public static AlertBoard showing(java.util.function.Supplier<List<AlertStatus>> alerts) {
        return new AlertBoard(alerts);
    }

    /** The pending and firing alerts a rule state stands for; null for an inactive one or one of an unknown rule. */
    public static AlertStatus status(io.sensorflow.model.RuleState state, java.util.Map<String, Rule> rules) {
        Rule rule = rules.get(state.rule());
        if (rule == null || state.phase() == io.sensorflow.model.AlertState.INACTIVE) {
            return null;
        }
        return new AlertStatus(state.episodeId(), state.rule(), state.sensor(), state.metric(), state.group(),
                state.phase(), rule.severity().label(), state.value(), state.since(), state.lastArrival());
    }

    void put(String rule, AlertKey key, AlertStatus status) {
        alerts.put(new Key(rule, key), status);
    }

    void remove(String rule, AlertKey key) {
        alerts.remove(new Key(rule, key));
    }

    public List<AlertStatus> snapshot() {
        return (view == null ? alerts.values() : view.get()).stream()
                .sorted(Comparator.comparing(AlertStatus::rule).thenComparing(AlertStatus::sensor)
                        .thenComparing(AlertStatus::metric).thenComparing(AlertStatus::group))
                .toList();
    }

    private record Key(String rule, AlertKey key) {
    }
}
