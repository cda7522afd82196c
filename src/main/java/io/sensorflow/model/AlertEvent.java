package io.sensorflow.model;

/**
 * A transition of one rule for one sensor and metric: it started firing or it resolved.
 *
 * @param id        stable for one firing episode: the FIRING and the RESOLVED event of the same episode share it
 * @param state     {@link AlertState#FIRING} or {@link AlertState#RESOLVED}
 * @param value     the value of the reading that caused the transition
 * @param timestamp event time of that reading (epoch ms)
 * @param since     event time at which the condition started to hold (epoch ms)
 * @param emittedAt processing time of the transition (epoch ms)
 */
public record AlertEvent(String id, String rule, String sensor, String metric, AlertState state, String severity,
                         double value, long timestamp, long since, long emittedAt) {

    public boolean firing() {
        return state == AlertState.FIRING;
    }
}
