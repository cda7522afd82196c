package io.sensorflow.http;

import io.sensorflow.cluster.ClusterNode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code /api/v1/admin}: operations on the running daemon: reloading its rules and actions, its cluster's members. */
final class AdminApi extends ApiResource {

    static final String PATH = "admin";
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(10);
    private static final Duration SHARDS_WAIT = Duration.ofSeconds(3);


    private final RuleSet rules;
    private final Optional<ClusterNode> cluster;

    AdminApi(RuleSet rules, Optional<ClusterNode> cluster) {
        super(PATH, null);
        this.rules = rules;
        this.cluster = cluster;
    }

    @Override
    Route routes() {
        return concat(path("reload", () -> post(this::reload)), path("cluster", () -> get(this::cluster)));
    }

    /**
     * {@code GET /api/v1/admin/cluster}: the members as this node sees them; a daemon without a cluster block is
     * {@code single} with no members.
     */
    private Route cluster() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", cluster.isPresent() ? "cluster" : "single");
        if (cluster.isEmpty()) {
            body.put("self", null);
            body.put("members", List.of());
            body.put("shards", Map.of());
            return complete(Responses.json(StatusCodes.OK, body));
        }
        ClusterNode.Membership membership = cluster.get().membership();
        body.put("self", membership.self());
        body.put("members", membership.members());
        CompletableFuture<Map<String, List<Integer>>> shards = cluster.get().shardAllocation(SHARDS_WAIT)
                .toCompletableFuture().exceptionally(error -> null);
        return onSuccess(shards, allocation -> {
            // Null: the coordinator did not answer (it is moving, or the cluster has no majority).
            body.put("shards", allocation);
            return complete(Responses.json(StatusCodes.OK, body));
        });
    }

    /**
     * {@code POST /api/v1/admin/reload}: 200 with what was kept, reset and removed; 400 with every problem (as
     * {@code check} prints them) when the new config is invalid, in which case nothing changed.
     */
    private Route reload() {
        CompletableFuture<RuleSet.Reload> outcome = rules.reload().toCompletableFuture()
                .orTimeout(RELOAD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return onComplete(outcome, attempt -> {
            if (attempt.isFailure()) {
                return complete(Responses.error(StatusCodes.SERVICE_UNAVAILABLE, "the rules stage did not take the new "
                        + "rules within " + RELOAD_WAIT.toSeconds() + " s (is the store stalled?); they apply as soon "
                        + "as it moves again"));
            }
            RuleSet.Reload result = attempt.get();
            Map<String, Object> body = new LinkedHashMap<>();
            if (!result.ok()) {
                body.put("error", "invalid-config");
                body.put("message", "the config has problems; the current rules keep running");
                body.put("problems", result.problems().stream().map(Object::toString).toList());
                return complete(Responses.json(StatusCodes.BAD_REQUEST, body));
            }
            body.put("status", "reloaded");
            body.put("kept", result.kept());
            body.put("reset", result.reset());
            body.put("removed", result.removed());
            body.put("notes", result.notes());
            return complete(Responses.json(StatusCodes.OK, body));
        });
    }
}
