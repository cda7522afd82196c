package io.sensorflow.rule;

/** How urgent a rule's alert is; carried into actions and the API. */
public enum Severity {
    INFO, WARNING, CRITICAL;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
