package io.sensorflow.rule;

import io.sensorflow.model.AlertState;

import java.time.Duration;
import java.util.Set;

/**
 * One action a rule triggers, and when: on which transitions ({@code on}, default firing and resolved) and, while
 * firing, again every {@code repeat-every} (zero: never).
 */
public record ActionRef(String action, Set<AlertState> on, Duration repeatEvery) {

    public static final Set<AlertState> DEFAULT_ON = Set.of(AlertState.FIRING, AlertState.RESOLVED);

    public ActionRef {
        on = Set.copyOf(on);
    }

    public static ActionRef of(String action) {
        return new ActionRef(action, DEFAULT_ON, Duration.ZERO);
    }

    public boolean repeats() {
        return !repeatEvery.isZero() && on.contains(AlertState.FIRING);
    }
}
