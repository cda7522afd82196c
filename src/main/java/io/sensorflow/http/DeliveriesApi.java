package io.sensorflow.http;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.store.Delivery;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.time.Instant;
import java.util.Map;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * {@code GET /api/v1/deliveries?state&action&after&limit}: the action outbox, oldest first; {@code after} takes the
 * {@code id} of the last one seen, for the next page. {@code POST /api/v1/deliveries/{id}/retry} puts a failed
 * delivery back in the queue, due at once.
 */
final class DeliveriesApi extends ApiResource {

    static final String PATH = "deliveries";
    private static final int MAX_LIMIT = 10_000;

    DeliveriesApi(StoreQueries store) {
        super(PATH, store);
    }

    @Override
    Route routes() {
        return concat(
                pathEnd(() -> get(() -> parameterMap(this::list))),
                path(segment().slash("retry"), id -> post(() -> retry(id))));
    }

    private Route list(Map<String, String> params) {
        Delivery.Status status;
        long after;
        long limit;
        try {
            String state = params.getOrDefault("state", "pending");
            status = switch (state) {
                case "pending", "done", "failed" -> Delivery.Status.of(state);
                default -> throw new IllegalArgumentException("state must be pending, done or failed, got '"
                        + state + "'");
            };
            after = params.containsKey("after") ? Params.wholeNumber(params.get("after"), "after") : 0;
            limit = params.containsKey("limit") ? Params.wholeNumber(params.get("limit"), "limit") : 100;
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
            }
        } catch (IllegalArgumentException e) {
            return badRequest(e);
        }
        String action = params.get("action");
        return onStore(store -> store.deliveries(status, action, after, (int) limit),
                deliveries -> complete(Responses.json(StatusCodes.OK,
                        deliveries.stream().map(DeliveriesApi::view).toList())));
    }

    private Route retry(String idText) {
        long id;
        try {
            id = Params.wholeNumber(idText, "id");
        } catch (IllegalArgumentException e) {
            return badRequest(e);
        }
        return onStore(store -> store.retryDelivery(id, System.currentTimeMillis()), requeued -> complete(requeued
                ? Responses.json(StatusCodes.OK, Map.of("id", id, "state", "pending"))
                : Responses.error(StatusCodes.NOT_FOUND, "no failed delivery has id " + id
                        + "; GET /api/v1/deliveries?state=failed lists them")));
    }

    /** The transition a delivery is for, as much of it as tells which alert it was. */
    private record Transition(String episode, String rule, String sensor, String metric, String group, String state,
                              double value, String time) {
    }

    private record View(long id, String action, String state, int attempts, String nextAttemptAt, String createdAt,
                        String finishedAt, String lastError, String idempotencyKey, Transition transition) {
    }

    private static View view(Delivery d) {
        AlertEvent e = d.event();
        Transition transition = new Transition(e.id(), e.rule(), e.sensor(), e.metric(), e.group(),
                Delivery.stateLabel(e), Double.isFinite(e.value()) ? e.value() : 0,
                Instant.ofEpochMilli(e.timestamp()).toString());
        return new View(d.id(), d.action(), d.status().label(), d.attempts(),
                d.status() == Delivery.Status.PENDING ? Instant.ofEpochMilli(d.nextAt()).toString() : null,
                Instant.ofEpochMilli(d.createdAt()).toString(),
                d.finishedAt() == null ? null : Instant.ofEpochMilli(d.finishedAt()).toString(), d.lastError(),
                d.idempotencyKey(), transition);
    }
}
