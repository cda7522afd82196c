package io.sensorflow.action.webhook;

import io.sensorflow.action.Action;
import io.sensorflow.action.DeliveryFailure;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.store.Delivery;
import io.sensorflow.telemetry.Failures;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** See {@link WebhookActionConfig}. */
final class WebhookAction implements Action {

    /**
     * One client for every webhook, across reloads: a JDK client keeps a selector thread until it is collected, so
     * one per action and reload would pile them up. Redirects are not followed: a hook that moved is a config error.
     */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    /** How much of a refusing answer's body goes into the error, for the dead letter and the log. */
    private static final int BODY_IN_ERROR = 200;
    /** The answer's body, read only as far as an error message needs it. */
    private static final ErrorBody ERROR_BODY = new ErrorBody(4 * BODY_IN_ERROR);

    private final WebhookActionConfig config;

    WebhookAction(WebhookActionConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event) {
        return execute(event, Delivery.idempotencyKey(event, config.name()));
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event, String idempotencyKey) {
        HttpRequest request;
        try {
            byte[] body = config.body(event).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder builder = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                    .header("Content-Type", config.contentType())
                    .header("Idempotency-Key", idempotencyKey)
                    .method(config.method(), HttpRequest.BodyPublishers.ofByteArray(body));
            if (config.signer().isPresent()) {
                // The id stays across attempts, the timestamp and signature are each attempt's own.
                long now = System.currentTimeMillis() / 1000;
                builder.header("webhook-id", idempotencyKey).header("webhook-timestamp", Long.toString(now))
                        .header("webhook-signature", config.signer().get().sign(idempotencyKey, now, body));
            }
            config.headers(event).forEach(builder::header);
            request = builder.build();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(DeliveryFailure.permanent("cannot build the request to "
                    + config.shownUrl() + ": " + e.getMessage()));
        }
        HttpRequest send = request;
        return config.guard().refusalAsync(config.url())
                .thenCompose(refusal -> refusal == null ? CLIENT.sendAsync(send, ERROR_BODY)
                        : CompletableFuture.failedFuture(new GuardRefusal(refusal)))
                .handle((response, error) -> {
                    if (error != null && Failures.cause(error) instanceof GuardRefusal refusal) {
                        throw DeliveryFailure.permanent("not called: " + refusal.getMessage());
                    }
                    if (error != null) {
                        Throwable cause = Failures.cause(error);
                        throw DeliveryFailure.retryable(config.method() + " " + config.shownUrl() + " failed: "
                                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? ""
                                : ": " + cause.getMessage()), Optional.empty());
                    }
                    int status = response.statusCode();
                    if (status >= 200 && status < 300) {
                        return null;
                    }
                    String detail = "HTTP " + status + " from " + config.method() + " " + config.shownUrl()
                            + body(response);
                    if (status == 429 || status == 408 || status >= 500) {
                        throw DeliveryFailure.retryable(detail,
                                retryAfter(response.headers().firstValue("Retry-After")));
                    }
                    throw DeliveryFailure.permanent(detail);
                });
    }

    private static String body(HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body().strip();
        if (body.isEmpty()) {
            return "";
        }
        return ": " + (body.length() > BODY_IN_ERROR ? body.substring(0, BODY_IN_ERROR) + "…" : body);
    }

    /** {@code Retry-After} as seconds or as an HTTP date; absent, unreadable or past means none. */
    static Optional<Duration> retryAfter(Optional<String> header) {
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds > 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(java.time.Instant.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() || until.isZero() ? Optional.empty() : Optional.of(until);
            } catch (java.time.format.DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    /** The outbound guard refused the target: no attempt will do better, so it is not retried. */
    private static final class GuardRefusal extends RuntimeException {
        GuardRefusal(String message) {
            super(message, null, false, false);
        }
    }
}
