package io.sensorflow.action;

import io.sensorflow.source.mqtt.MqttPublisher;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every action gets from the daemon.
 *
 * @param publishers the broker connections of mqtt sources by source name, for actions that publish
 * @param timeout how long one execution may take before it counts as failed
 */
public record ActionContext(Map<String, MqttPublisher> publishers, Duration timeout) {

    /** Builds every configured action, in config order. */
    public Map<String, Action> create(Map<String, ActionConfig> configs) {
        Map<String, Action> actions = new LinkedHashMap<>();
        configs.forEach((name, config) -> actions.put(name, config.create(this)));
        return actions;
    }
}
