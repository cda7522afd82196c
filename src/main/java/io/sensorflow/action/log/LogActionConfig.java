package io.sensorflow.action.log;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.action.RateLimit;
import io.sensorflow.config.Section;

/** Writes each alert transition to the log, for auditing and for trying rules out. */
public record LogActionConfig(String name, java.util.Optional<RateLimit> rateLimit) implements ActionConfig {

    public static LogActionConfig parse(Section s) {
        java.util.Optional<RateLimit> rateLimit = RateLimit.parse(s);
        return new LogActionConfig(s.name(), rateLimit);
    }

    @Override
    public java.util.Map<String, String> render(io.sensorflow.model.AlertEvent event) {
        return java.util.Map.of("message", LogAction.message(event));
    }

    @Override
    public Action create(ActionContext context) {
        return new LogAction(name);
    }
}
