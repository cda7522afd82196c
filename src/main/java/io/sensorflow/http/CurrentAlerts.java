package io.sensorflow.http;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.AlertStatus;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The alerts pending or firing now, as the API shows them: each with the latest acknowledgement
 * ({@code acknowledged}, null if none) and every acknowledgement, oldest first ({@code acknowledgements}). The alerts
 * and rules resources both list them.
 */
record CurrentAlerts(AlertBoard board, Acknowledgements acknowledgements, StoreQueries store) {

    /** The alerts that {@code which} selects. */
    List<AlertStatus> select(Predicate<AlertStatus> which) {
        return board.snapshot().stream().filter(which).toList();
    }

    Optional<AlertStatus> find(String id) {
        return board.snapshot().stream().filter(a -> a.id().equals(id)).findFirst();
    }

    /**
     * The acknowledgements of these alerts, read from the store. The engine knows which episodes have any; only
     * theirs are asked for, so a list with none acknowledged costs no query and answers while the store is down.
     */
    CompletionStage<Map<String, List<Acknowledgement>>> histories(Collection<AlertStatus> alerts) {
        List<String> acknowledged = alerts.stream().map(AlertStatus::id).filter(acknowledgements::contains).toList();
        return acknowledged.isEmpty() ? CompletableFuture.completedFuture(Map.of())
                : store.run(s -> s.acknowledgements(acknowledged));
    }

    /** Takes an acknowledgement into account from now on; the caller has stored it. */
    void acknowledged(Acknowledgement ack) {
        acknowledgements.add(ack);
    }

    /** The alerts as the API shows them, with their {@link #histories}. */
    List<Map<String, Object>> view(List<AlertStatus> alerts, Map<String, List<Acknowledgement>> histories) {
        return alerts.stream().map(status -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = Responses.JSON.convertValue(status, LinkedHashMap.class);
            List<Acknowledgement> history = histories.getOrDefault(status.id(), List.of());
            map.put("acknowledged", history.isEmpty() ? acknowledgements.get(status.id())
                    : history.get(history.size() - 1));
            map.put("acknowledgements", history);
            return map;
        }).toList();
    }
}
