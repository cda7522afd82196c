package io.sensorflow.action.log;

import io.sensorflow.action.Action;
import io.sensorflow.action.Template;
import io.sensorflow.model.AlertEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Logs alert transitions on the {@code sensorflow.alerts} logger, so they can be routed to their own file. */
final class LogAction implements Action {

    private static final Logger ALERTS = LoggerFactory.getLogger("sensorflow.alerts");

    private final String name;

    LogAction(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event) {
        ALERTS.info("{} {} sensor={} metric={} value={} severity={} alert={}", event.rule(), event.state().label(),
                event.sensor(), event.metric(), event.value(), event.severity(), Template.json(event));
        return CompletableFuture.completedFuture(null);
    }
}
