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
        ALERTS.info("{}", message(event));
        return CompletableFuture.completedFuture(null);
    }

    static String message(AlertEvent event) {
        return event.rule() + " " + (event.repeat() ? "still firing" : event.state().label())
                + (event.group().isEmpty() ? " sensor=" + event.sensor() + " metric=" + event.metric()
                : " group=" + event.group())
                + " value=" + event.value() + " severity=" + event.severity() + " alert=" + Template.json(event);
    }
}
