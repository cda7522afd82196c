package io.sensorflow.rule;

import io.sensorflow.model.Reading;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A threshold rule as configured: which readings it looks at, when it fires and clears, and what it triggers.
 *
 * @param clearWhen the clearing condition; empty means "not when"
 */
public record Rule(String name, Glob sensor, Glob metric, Condition when, Optional<Condition> clearWhen,
                   Duration forDuration, Severity severity, List<String> actions) {

    public boolean matches(Reading reading) {
        return sensor.matches(reading.sensor()) && metric.matches(reading.metric());
    }
}
