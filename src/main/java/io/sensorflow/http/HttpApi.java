package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.source.Readiness;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The HTTP API: health, current sensor values, current alerts and metrics. Every error is JSON
 * {@code {"error": ..., "message": ...}}; 4xx are logged at debug, 5xx with their stack.
 */
public final class HttpApi extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReadingStore store;
    private final List<SensorSource> sources;
    private final AlertBoard alerts;
    private final Metrics metrics;
    private final Executor blocking;

    public HttpApi(ReadingStore store, List<SensorSource> sources, AlertBoard alerts, Metrics metrics, Executor blocking) {
        this.store = store;
        this.sources = List.copyOf(sources);
        this.alerts = alerts;
        this.metrics = metrics;
        this.blocking = blocking;
    }

    public CompletionStage<ServerBinding> bind(ActorSystem system, String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(routes());
    }

    public Route routes() {
        return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> concat(
                path(segment("health").slash("live"), () -> get(() ->
                        complete(json(StatusCodes.OK, Map.of("status", "live"))))),
                path(segment("health").slash("ready"), () -> get(this::ready)),
                pathPrefix(segment("api").slash("v1"), () -> concat(
                        path("sensors", () -> get(() -> onSuccess(
                                CompletableFuture.supplyAsync(store::latest, blocking),
                                latest -> complete(json(StatusCodes.OK, latest))))),
                        path("alerts", () -> get(() -> complete(json(StatusCodes.OK, alerts.snapshot()))))
                )),
                path("metrics", () -> get(() -> complete(HttpResponse.create()
                        .withEntity(metricsContentType(), metrics.scrape()))))
        )));
    }

    private Route ready() {
        List<Readiness> checks = new ArrayList<>();
        checks.add(store.isHealthy() ? Readiness.ready("store") : Readiness.notReady("store", "last write failed"));
        for (SensorSource source : sources) {
            checks.add(source.readiness());
        }
        boolean ready = checks.stream().allMatch(Readiness::ready);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not-ready");
        body.put("checks", checks);
        return complete(json(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
    }

    private ContentType metricsContentType() {
        return ContentTypes.parse(metrics.contentType());
    }

    static HttpResponse json(StatusCode status, Object body) {
        try {
            HttpEntity.Strict entity = HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
            return HttpResponse.create().withStatus(status).withEntity(entity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse error(StatusCode status, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", errorCode(status));
        body.put("message", message);
        return json(status, body);
    }

    private static String errorCode(StatusCode status) {
        return status.reason().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder().matchAny(e -> {
            LOG.error("HTTP request failed", e);
            return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + e.getMessage()));
        }).build();
    }

    /** Pekko's default rejection answers are right in status and wording; only their body becomes JSON. */
    private RejectionHandler rejectionHandler() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict
                    && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                LOG.debug("HTTP {}: {}", response.status().intValue(), strict.getData().utf8String());
                return error(response.status(), strict.getData().utf8String());
            }
            return response;
        });
    }
}
