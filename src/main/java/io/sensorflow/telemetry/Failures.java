package io.sensorflow.telemetry;

import java.util.concurrent.CompletionException;

/** How a failure that came through a future is told apart and shown: by what failed, not by the future's wrapper. */
public final class Failures {

    private Failures() {
    }

    /**
     * What {@code error} is about: the cause of a {@link CompletionException} (which a dependent stage of a
     * {@code CompletableFuture} wraps its failure in), else {@code error} itself.
     */
    public static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
