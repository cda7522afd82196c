package io.sensorflow.action;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What every action gets from the daemon: the connections of sources, looked up by name and by what the action needs
 * of them, and how long one execution may take.
 */
public final class ActionContext {

    /** Finds what a source named by an action offers. */
    @FunctionalInterface
    public interface Connections {
        /**
         * @return the source's capability of {@code type}, or empty if there is no such source or it offers none
         * @throws IllegalStateException with a message for the operator, when looking it up failed
         */
        Optional<?> find(String action, String source, Class<?> type);
    }

    private final Connections connections;
    private final Duration timeout;

    public ActionContext(Connections connections, Duration timeout) {
        this.connections = connections;
        this.timeout = timeout;
    }

    /** How long one execution may take before it counts as failed. */
    public Duration timeout() {
        return timeout;
    }

    /** The {@code type} that {@code source} offers, for {@code action}. @throws IllegalStateException if none */
    public <T> T connection(String action, String source, Class<T> type) {
        return connections.find(action, source, type).map(type::cast).orElseThrow(() -> new IllegalStateException(
                "action " + action + ": no connection to the broker of source " + source));
    }

    /** Builds every configured action, in config order. */
    public Map<String, Action> create(Map<String, ActionConfig> configs) {
        Map<String, Action> actions = new LinkedHashMap<>();
        configs.forEach((name, config) -> actions.put(name, config.create(this)));
        return actions;
    }
}
