package io.sensorflow.source;

/**
 * Tells the origin of a message that it is safe: called only after everything decoded from the message is committed
 * to the store, so an unacknowledged message is redelivered after a crash (at-least-once).
 */
@FunctionalInterface
public interface Acknowledgement {

    Acknowledgement NONE = () -> { };

    void acknowledge();

    /**
     * Acknowledges, told what the message became in the end: the readings stored and every rejection, those found
     * after decoding too (the series limit, a reading the store refused). For a source that answers its sender.
     */
    default void acknowledge(Envelope committed) {
        acknowledge();
    }
}
