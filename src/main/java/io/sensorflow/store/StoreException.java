package io.sensorflow.store;

/** The store could not do what was asked; the caller decides whether to retry. */
public final class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
