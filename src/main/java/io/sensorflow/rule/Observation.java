package io.sensorflow.rule;

import java.util.Map;

/**
 * A value a rule's condition must judge, derived from one or more readings: the reading itself for thresholds, an
 * aggregate when a window closes, a rate, a z-score, or the latest values of a group.
 *
 * @param timestamp event time the observation stands for (a window's end, the newest reading's time)
 * @param value     the derived value, shown in alerts as "the value"
 * @param variables everything the CEL condition sees; also kept with alert events as their explanation
 */
public record Observation(long timestamp, double value, Map<String, Object> variables) {
}
