package io.sensorflow.action;

import io.sensorflow.model.AlertEvent;

import java.util.concurrent.CompletionStage;

/** Something done when an alert fires or resolves. Failures complete the stage exceptionally; they never throw. */
public interface Action {

    String name();

    CompletionStage<Void> execute(AlertEvent event);
}
