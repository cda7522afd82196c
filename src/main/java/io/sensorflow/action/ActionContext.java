package io.sensorflow.action;

import io.sensorflow.source.SensorSource;

import java.time.Duration;
import java.util.Map;

/**
 * What every action gets from the daemon.
 *
 * @param sources the running sources by name, for actions that publish through a source's connection
 * @param timeout how long one execution may take before it counts as failed
 */
public record ActionContext(Map<String, SensorSource> sources, Duration timeout) {
}
