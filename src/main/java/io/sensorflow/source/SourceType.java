package io.sensorflow.source;

import io.sensorflow.config.Section;
import io.sensorflow.source.mqtt.MqttSourceConfig;
import io.sensorflow.source.simulator.SimulatorSourceConfig;

import java.util.function.Function;

/**
 * Every source {@code type}, the one place where a type name is bound to its config parser. Adding a source type
 * means a class, its config record, and one constant here.
 */
public enum SourceType {
    MQTT(MqttSourceConfig::parse),
    HTTP_POLL(io.sensorflow.source.http.HttpPollSourceConfig::parse),
    HTTP_PUSH(io.sensorflow.source.http.HttpPushSourceConfig::parse),
    SIMULATOR(SimulatorSourceConfig::parse);

    private final Function<Section, SourceConfig> parser;

    SourceType(Function<Section, SourceConfig> parser) {
        this.parser = parser;
    }

    /** Parses a section whose type defaults have already been applied. */
    public SourceConfig parse(Section section) {
        return parser.apply(section);
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
