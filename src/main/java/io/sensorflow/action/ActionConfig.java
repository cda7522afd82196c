package io.sensorflow.action;

/** The validated configuration of one action; each type knows how to build its action. */
public interface ActionConfig {

    String name();

    /** The source whose connection this action uses, if any, so the loader can check that it exists. */
    default java.util.Optional<String> source() {
        return java.util.Optional.empty();
    }

    Action create(ActionContext context);

    /** How often the action may run at most, if limited. */
    default java.util.Optional<RateLimit> rateLimit() {
        return java.util.Optional.empty();
    }

    /**
     * What the action would send for {@code event}, rendered but not sent (e.g. {@code topic} and {@code payload}):
     * rule tests assert on it and replays print it.
     */
    java.util.Map<String, String> render(io.sensorflow.model.AlertEvent event);
}
