package io.sensorflow.http;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.AlertStatus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The alerts pending or firing now, as the API shows them: each with who acknowledged it, if anyone did. The alerts
 * and rules resources both list them.
 */
record CurrentAlerts(AlertBoard board, Acknowledgements acknowledgements) {

    /** The alerts that {@code which} selects, each as the API shows it. */
    List<Map<String, Object>> list(Predicate<AlertStatus> which) {
        return board.snapshot().stream().filter(which).map(this::view).toList();
    }

    Optional<AlertStatus> find(String id) {
        return board.snapshot().stream().filter(a -> a.id().equals(id)).findFirst();
    }

    Acknowledgement acknowledgement(String episode) {
        return acknowledgements.get(episode);
    }

    /** Takes an acknowledgement into account from now on; the caller has stored it. */
    void acknowledged(Acknowledgement ack) {
        acknowledgements.add(ack);
    }

    private Map<String, Object> view(AlertStatus status) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = Responses.JSON.convertValue(status, LinkedHashMap.class);
        map.put("acknowledged", acknowledgements.get(status.id()));
        return map;
    }
}
