package io.sensorflow.store;

import io.sensorflow.model.AlertEvent;

/**
 * One action to run for one alert transition, kept in the store's outbox until it is done or has failed for good.
 *
 * @param id        the outbox's own order: a transition's deliveries, and an alert's transitions, in commit order
 * @param action    the action's name in the config
 * @param status    pending, done or failed
 * @param attempts  how often it was tried so far
 * @param nextAt    when a pending delivery is due (processing time, ms)
 * @param lastError why the last attempt failed, or null
 * @param event     the transition, as committed
 */
public record Delivery(long id, String action, Status status, int attempts, long nextAt, long createdAt,
                       Long finishedAt, String lastError, AlertEvent event) {

    public enum Status {
        PENDING, DONE, FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status of(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * What a receiver drops repeats by: the alert episode, the transition (its state and event time) and the action.
     * The same for every attempt and across restarts.
     */
    public String idempotencyKey() {
        return idempotencyKey(event, action);
    }

    public static String idempotencyKey(AlertEvent event, String action) {
        return event.id() + ":" + stateLabel(event) + ":" + event.timestamp() + ":" + action;
    }

    /** The state column of a transition: its state, or {@code repeat} for a repeated firing. */
    public static String stateLabel(AlertEvent event) {
        return event.repeat() ? "repeat" : event.state().label();
    }

    /** The alert and action whose deliveries must go out in order: a resolved never overtakes its firing. */
    public String orderKey() {
        return event.id() + '\u0000' + action;
    }
}
