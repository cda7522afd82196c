package io.sensorflow.telemetry;

/** Whether a component can do its work right now, and if not, what an operator should know. */
public record Readiness(String component, boolean ready, String detail) {

    public static Readiness ready(String component) {
        return new Readiness(component, true, "ok");
    }

    public static Readiness notReady(String component, String detail) {
        return new Readiness(component, false, detail);
    }
}
