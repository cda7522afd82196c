package io.sensorflow.action;

import io.sensorflow.model.AlertEvent;

import java.util.Map;

/** The validated configuration of one action; each type knows how to build its action. */
public interface ActionConfig {

    String name();

    Action create(ActionContext context);

    /**
     * Checks what this action names elsewhere in the config (the source whose connection it publishes through),
     * recording each problem at its own keys. By default it names nothing.
     */
    default void check(ActionChecks checks) {
    }

    /** How often and how much at once the action may run. */
    default ActionLimits limits() {
        return ActionLimits.NONE;
    }

    /**
     * What the action would send for {@code event}, rendered but not sent (e.g. {@code topic} and {@code payload}):
     * rule tests assert on it and replays print it.
     */
    Map<String, String> render(AlertEvent event);
}
