package io.sensorflow.store;

/**
 * The store could not do what was asked. Either the store is in trouble (no connection, a timeout, a lock, a full
 * disk: the same write may succeed later, so the caller retries) or the data is ({@link #refusedData()}: a
 * constraint, an encoding or a value out of range; the same write fails every time, so retrying it would hold up
 * everything behind it forever).
 */
public final class StoreException extends RuntimeException {

    private final boolean refusedData;

    public StoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public StoreException(String message, Throwable cause, boolean refusedData) {
        super(message, cause);
        this.refusedData = refusedData;
    }

    /** Whether the database refused what was written rather than failed to write it. */
    public boolean refusedData() {
        return refusedData;
    }
}
