package io.sensorflow.action;

import io.sensorflow.action.log.LogActionConfig;
import io.sensorflow.action.mqtt.MqttActionConfig;
import io.sensorflow.config.Section;

import java.util.function.Function;

/** Every action {@code type}: the one place where a type name is bound to its config parser. */
public enum ActionType {
    MQTT(MqttActionConfig::parse),
    LOG(LogActionConfig::parse);

    private final Function<Section, ActionConfig> parser;

    ActionType(Function<Section, ActionConfig> parser) {
        this.parser = parser;
    }

    public ActionConfig parse(Section section) {
        return parser.apply(section);
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
