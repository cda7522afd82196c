package io.sensorflow.model;

/** Where one rule stands for one sensor and metric. Actions run only on the transitions into FIRING and RESOLVED. */
public enum AlertState {
    INACTIVE, PENDING, FIRING, RESOLVED;

    /** The lower-case name used everywhere users see a state: API, templates, metrics and logs. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
