package io.sensorflow.source;

/**
 * Tells the origin of a message that it is safe: called only after everything decoded from the message is committed
 * to the store, so an unacknowledged message is redelivered after a crash (at-least-once).
 */
@FunctionalInterface
public interface Acknowledgement {

    Acknowledgement NONE = () -> { };

    void acknowledge();
}
