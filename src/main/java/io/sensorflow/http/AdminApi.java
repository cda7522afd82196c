package io.sensorflow.http;

import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code /api/v1/admin}: operations on the running daemon; today, reloading its rules and actions. */
final class AdminApi extends ApiResource {

    static final String PATH = "admin";
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(10);


    private final RuleSet rules;

    AdminApi(RuleSet rules) {
        super(PATH, null);
        this.rules = rules;
    }

    @Override
    Route routes() {
        return path("reload", () -> post(this::reload));
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
