package io.sensorflow.action;

import io.sensorflow.model.AlertEvent;

import java.util.concurrent.CompletionStage;

/**
 * Something done when an alert fires or resolves. Failures complete the stage exceptionally, with a
 * {@link DeliveryFailure} where the action knows whether retrying can help; they never throw.
 */
public interface Action {

    String name();

    CompletionStage<Void> execute(AlertEvent event);

    /**
     * Executes one delivery of the outbox. {@code idempotencyKey} is the same for every attempt of the delivery and
     * across restarts; actions that can hand it to their target (a webhook's {@code Idempotency-Key}) do.
     */
    default CompletionStage<Void> execute(AlertEvent event, String idempotencyKey) {
        return execute(event);
    }
}
