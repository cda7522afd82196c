package io.sensorflow.rule;

import io.sensorflow.model.AlertState;

/** The current, non-inactive state of one rule for one alert key, as the API shows it. */
public record AlertStatus(String id, String rule, String sensor, String metric, String group, AlertState state,
                          String severity, double value, long since, long updatedAt) {
}
