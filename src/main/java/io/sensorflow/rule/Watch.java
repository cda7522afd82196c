package io.sensorflow.rule;

import io.sensorflow.model.Reading;

import java.util.List;

/**
 * How the clock judges the alerts of a rule type that fires when something does not happen (a sensor that falls
 * silent): readings are only signs of life, and a firing alert resolves at the next one. Pure like
 * {@link Derivation}: the per-key state is the derivation's, and time comes from the caller.
 *
 * @param <S> the derivation's per-key state
 */
public interface Watch<S> {

    /** Alert keys watched from start-up, so that one that never sends anything is noticed too. */
    List<AlertKey> watchedFromStart();

    /** Starts watching a key of {@link #watchedFromStart} at {@code now}, unless something was heard from it already. */
    void watchFrom(S state, long now);

    /** A reading of the key arrived at {@code now}. @return false if it is no sign of life now (late, redelivered) */
    boolean heard(S state, Reading reading, long now);

    /** After a restart: the key's newest stored reading, at event time {@code timestamp}. */
    void restore(S state, long timestamp);

    /** The firing of an inactive alert that is due at {@code now}, or null. */
    Firing due(S state, long now);

    /**
     * @param since event time from which nothing was heard
     * @param at    event time at which the alert fires: since plus the silence allowed
     */
    record Firing(long since, long at) {
    }
}
