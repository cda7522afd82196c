package io.sensorflow.store;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;

import java.util.List;

/**
 * Everything one commit makes durable together: readings, dead letters, and the rule states and alert transitions
 * those readings caused. Together, so that after a crash the state never runs ahead of, or behind, the readings.
 */
public record Batch(List<Reading> readings, List<DeadLetter> deadLetters, List<RuleState> ruleStates,
                    List<AlertEvent> alertEvents) {

    public static Batch of(List<Reading> readings, List<DeadLetter> deadLetters) {
        return new Batch(readings, deadLetters, List.of(), List.of());
    }
}
