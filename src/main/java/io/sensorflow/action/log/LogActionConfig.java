package io.sensorflow.action.log;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.config.Section;

/** Writes each alert transition to the log, for auditing and for trying rules out. */
public record LogActionConfig(String name, ActionLimits limits) implements ActionConfig {

    public static LogActionConfig parse(Section s) {
        return new LogActionConfig(s.name(), ActionLimits.parse(s));
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
