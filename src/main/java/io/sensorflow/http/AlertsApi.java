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
        List<AlertStatus> selected = alerts.select(a ->
                (state == null || a.state().label().equals(state)) && (rule == null || a.rule().equals(rule)));
        return onSuccess(alerts.histories(selected), histories ->
                complete(Responses.json(StatusCodes.OK, alerts.view(selected, histories))));
    }

    /**
     * {@code POST /api/v1/alerts/{id}/ack} with an optional {@code {"by": ..., "comment": ...}}: one more
     * acknowledgement, kept with those before it. 409 past {@link Acknowledgement#MAX_PER_EPISODE}.
     */
    private Route acknowledge(String id, String body) {
        String by;
        String comment;
        try {
            JsonNode node = body.isBlank() ? Responses.JSON.createObjectNode() : Responses.JSON.readTree(body);
            if (!node.isObject()) {
                return complete(Responses.error(StatusCodes.BAD_REQUEST, "the body must be a JSON object or empty"));
            }
            // Every acknowledgement is kept and shown with its episode: its texts are bounded like its number.
            by = Params.bounded("by", node.path("by").asText(""), Params.MAX_NAME);
            comment = Params.bounded("comment", node.path("comment").asText(""), Params.MAX_COMMENT);
        } catch (JsonProcessingException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, "the body must be a JSON object: "
                    + e.getOriginalMessage()));
        } catch (IllegalArgumentException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, e.getMessage()));
        }
        return onStore(store -> {
            boolean known = alerts.find(id).isPresent() || !store.alertEpisode(id).isEmpty();
            if (!known) {
                return new Acknowledged(false, null);
            }
            Acknowledgement ack = new Acknowledgement(id, System.currentTimeMillis(), by, comment);
            if (!store.saveAcknowledgement(ack)) {
                return new Acknowledged(true, null);
            }
            alerts.acknowledged(ack);
            return new Acknowledged(true, ack);
        }, outcome -> {
            if (!outcome.known()) {
                return complete(Responses.error(StatusCodes.NOT_FOUND, "no alert with id " + id));
            }
            if (outcome.stored() == null) {
                return complete(Responses.error(StatusCodes.CONFLICT, "alert " + id + " has "
                        + Acknowledgement.MAX_PER_EPISODE + " acknowledgements, the most one episode keeps; it is "
                        + "acknowledged already"));
            }
            return complete(Responses.json(StatusCodes.OK, outcome.stored()));
        });
    }

    /** Whether the episode exists, and the acknowledgement stored; null when it has all it may keep. */
    private record Acknowledged(boolean known, Acknowledgement stored) {
    }

    /** {@code GET /api/v1/alerts/history?from&to&rule&sensor&limit}: transitions, newest first. */
    private Route history(Map<String, String> params) {
        String rule = params.get("rule");
        String sensor = params.get("sensor");
        return withListing(params, 24L * 3600 * 1000, listing -> onStore(
                store -> store.alertHistory(listing.from(), listing.to(), rule, sensor, listing.limit()),
                events -> complete(Responses.json(StatusCodes.OK, events))));
    }

    /**
     * One alert episode as the API shows it: what it is about, its state now, its latest acknowledgement and every
     * one oldest first, and every transition.
     */
    private record Episode(String id, String rule, String sensor, String metric, String group, String severity,
                           long since, AlertStatus current, Acknowledgement acknowledged,
                           List<Acknowledgement> acknowledgements, List<AlertEvent> transitions) {
    }

    /** What the store holds of one episode. */
    private record Stored(List<AlertEvent> events, List<Acknowledgement> acknowledgements) {
    }

    /** {@code GET /api/v1/alerts/{id}}: one episode with every transition and what the condition saw. */
    private Route episode(String id) {
        return onStore(store -> new Stored(store.alertEpisode(id),
                store.acknowledgements(List.of(id)).getOrDefault(id, List.of())), stored -> {
            List<AlertEvent> events = stored.events();
            if (events.isEmpty()) {
                return complete(Responses.error(StatusCodes.NOT_FOUND, "no alert with id " + id));
            }
            AlertEvent first = events.get(0);
            List<Acknowledgement> acks = stored.acknowledgements();
            return complete(Responses.json(StatusCodes.OK, new Episode(id, first.rule(), first.sensor(),
                    first.metric(), first.group(), first.severity(), first.since(), alerts.find(id).orElse(null),
                    acks.isEmpty() ? null : acks.get(acks.size() - 1), acks, events)));
        });
    }
}
