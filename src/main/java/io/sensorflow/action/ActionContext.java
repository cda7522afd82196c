package io.sensorflow.action;

import io.sensorflow.source.mqtt.MqttPublisher;

import java.time.Duration;
import java.util.Map;

/**
 * What every action gets from the daemon.
 *
 * @param publishers the broker connections of mqtt sources by source name, for actions that publish
 * @param timeout how long one execution may take before it counts as failed
 */
public record ActionContext(Map<String, MqttPublisher> publishers, Duration timeout) {
}
