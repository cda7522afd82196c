package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.rule.AlertStatus;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

import java.util.List;
import java.util.Map;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * {@code /api/v1/alerts}: the alerts pending or firing now, one episode with every transition, the history of
 * transitions, and acknowledging an episode.
 */
final class AlertsApi extends ApiResource {

    static final String PATH = "alerts";

    private final CurrentAlerts alerts;

    AlertsApi(StoreQueries store, CurrentAlerts alerts) {
        super(PATH, store);
        this.alerts = alerts;
    }

    @Override
    Route routes() {
        return concat(
                pathEnd(() -> get(() -> parameterMap(this::current))),
                path("history", () -> get(() -> parameterMap(this::history))),
                path(segment(), id -> get(() -> episode(id))),
                path(segment().slash("ack"), id -> post(() ->
                        entity(Unmarshaller.entityToString(), body -> acknowledge(id, body)))));
    }

    /** {@code GET /api/v1/alerts[?state=firing|pending][&rule=...]}: what is pending or firing right now. */
    private Route current(Map<String, String> params) {
        String state = params.get("state");
        if (state != null && !state.equals("firing") && !state.equals("pending")) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, "state must be firing or pending, got '" + state
                    + "'"));
        }
        String rule = params.get("rule");
        return complete(Responses.json(StatusCodes.OK, alerts.list(a ->
                (state == null || a.state().label().equals(state)) && (rule == null || a.rule().equals(rule)))));
    }

    /** {@code POST /api/v1/alerts/{id}/ack} with an optional {@code {"by": ..., "comment": ...}}. */
    private Route acknowledge(String id, String body) {
        String by;
        String comment;
        try {
            JsonNode node = body.isBlank() ? Responses.JSON.createObjectNode() : Responses.JSON.readTree(body);
            if (!node.isObject()) {
                return complete(Responses.error(StatusCodes.BAD_REQUEST, "the body must be a JSON object or empty"));
            }
            by = node.path("by").asText("");
            comment = node.path("comment").asText("");
        } catch (JsonProcessingException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, "the body must be a JSON object: "
                    + e.getOriginalMessage()));
        }
        return onStore(store -> {
            boolean known = alerts.find(id).isPresent() || !store.alertEpisode(id).isEmpty();
            if (!known) {
                return null;
            }
            Acknowledgement ack = new Acknowledgement(id, System.currentTimeMillis(), by, comment);
            store.saveAcknowledgement(ack);
            alerts.acknowledged(ack);
            return ack;
        }, ack -> ack == null
                ? complete(Responses.error(StatusCodes.NOT_FOUND, "no alert with id " + id))
                : complete(Responses.json(StatusCodes.OK, ack)));
    }

    /** {@code GET /api/v1/alerts/history?from&to&rule&sensor&limit}: transitions, newest first. */
    private Route history(Map<String, String> params) {
        String rule = params.get("rule");
        String sensor = params.get("sensor");
        return withListing(params, 24L * 3600 * 1000, listing -> onStore(
                store -> store.alertHistory(listing.from(), listing.to(), rule, sensor, listing.limit()),
                events -> complete(Responses.json(StatusCodes.OK, events))));
    }

    /** One alert episode as the API shows it: what it is about, its state now, and every transition. */
    private record Episode(String id, String rule, String sensor, String metric, String group, String severity,
                           long since, AlertStatus current, Acknowledgement acknowledged, List<AlertEvent> transitions) {
    }

    /** {@code GET /api/v1/alerts/{id}}: one episode with every transition and what the condition saw. */
    private Route episode(String id) {
        return onStore(store -> store.alertEpisode(id), events -> {
            if (events.isEmpty()) {
                return complete(Responses.error(StatusCodes.NOT_FOUND, "no alert with id " + id));
            }
            AlertEvent first = events.get(0);
            return complete(Responses.json(StatusCodes.OK, new Episode(id, first.rule(), first.sensor(),
                    first.metric(), first.group(), first.severity(), first.since(),
                    alerts.find(id).orElse(null), alerts.acknowledgement(id), events)));
        });
    }
}
