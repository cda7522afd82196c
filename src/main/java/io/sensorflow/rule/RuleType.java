package io.sensorflow.rule;

import io.sensorflow.config.Section;
import io.sensorflow.rule.type.Anomaly;
import io.sensorflow.rule.type.Combine;
import io.sensorflow.rule.type.Deadman;
import io.sensorflow.rule.type.Rate;
import io.sensorflow.rule.type.Threshold;
import io.sensorflow.rule.type.Window;

import java.util.Locale;

/** Every rule type, and the one place that maps a {@code type = ...} to its {@link Derivation}. */
public enum RuleType {
    THRESHOLD, WINDOW, RATE, DEADMAN, ANOMALY, COMBINE;

    /** Reads the type's own keys; the common ones (match, when, for, actions...) are read by {@link RuleParser}. */
    Derivation<?> parse(Section s) {
        return switch (this) {
            case THRESHOLD -> Threshold.parse(s);
            case WINDOW -> Window.parse(s);
            case RATE -> Rate.parse(s);
            case DEADMAN -> Deadman.parse(s);
            case ANOMALY -> Anomaly.parse(s);
            case COMBINE -> Combine.parse(s);
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
