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

    /**
     * How an attempt of a delivery ended, to record: {@code done}, pending again due at {@code at} ({@code retry}),
     * or {@code failed} for good.
     *
     * @param at when it finished (done, failed), or when it is due again (pending)
     */
    public record Update(long id, Status status, int attempts, long at, String error) {

        public static Update done(long id, int attempts, long at) {
            return new Update(id, Status.DONE, attempts, at, null);
        }

        public static Update retry(long id, int attempts, long nextAt, String error) {
            return new Update(id, Status.PENDING, attempts, nextAt, error);
        }

        public static Update failed(long id, int attempts, long at, String error) {
            return new Update(id, Status.FAILED, attempts, at, error);
        }
    }

    /**
     * The alert and action whose deliveries must go out in order, across episodes: a resolved never overtakes its
     * firing, and the next episode's firing never overtakes the resolved before it.
     */
    public String orderKey() {
        return alertKey(event) + '\u0000' + action;
    }

    /** The alert a transition belongs to, whatever its episode: its rule and sensor and metric, or its group. */
    public static String alertKey(AlertEvent event) {
        return event.rule() + '\u001f' + event.sensor() + '\u001f' + event.metric() + '\u001f' + event.group();
    }
}
