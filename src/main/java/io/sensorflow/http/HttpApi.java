package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Silence;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.AlertStatus;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.Silences;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
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
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The HTTP API: health, current sensor values, current alerts, alert history, rules and metrics. Every error is JSON
 * {@code {"error": ..., "message": ...}}; 4xx are logged at debug, 5xx with their stack.
 */
public final class HttpApi extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HISTORY = 10_000;
    private static final java.time.Duration RELOAD_WAIT = java.time.Duration.ofSeconds(10);

    /** The first path segments under {@code /api/v1/} that the API serves itself, which no source may take. */
    public static final List<String> OWN_PATHS = List.of("sensors", "alerts", "rules", "dead-letters", "admin",
            "silences");

    private final ReadingStore store;
    private final List<SensorSource> sources;
    private final AlertBoard alerts;
    private final Silences silences;
    private final Acknowledgements acknowledgements;
    private final RuleSet reloader;
    private final Metrics metrics;
    private final Executor blocking;

    public HttpApi(ReadingStore store, List<SensorSource> sources, AlertBoard alerts, Silences silences,
                   Acknowledgements acknowledgements, RuleSet reloader, Metrics metrics,
                   Executor blocking) {
        this.reloader = reloader;
        this.silences = silences;
        this.acknowledgements = acknowledgements;
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
                        new ReadingsApi(store, blocking).routes(),
                        path("alerts", () -> get(() -> parameterMap(this::currentAlerts))),
                        path(segment("alerts").slash("history"), () -> get(() -> parameterMap(this::history))),
                        path(segment("alerts").slash(segment()), id -> get(() -> episode(id))),
                        path(segment("alerts").slash(segment()).slash("ack"), id -> post(() ->
                                entity(Unmarshaller.entityToString(), body -> acknowledge(id, body)))),
                        path("rules", () -> get(this::rules)),
                        path("dead-letters", () -> get(() -> parameterMap(this::deadLetters))),
                        ingestRoutes(),
                        path(segment("admin").slash("reload"), () -> post(this::reload)),
                        pathPrefix("silences", () -> concat(
                                pathEnd(() -> concat(
                                        get(() -> parameterMap(this::listSilences)),
                                        post(() -> entity(Unmarshaller.entityToString(), this::createSilence)))),
                                path(segment(), id -> concat(
                                        get(() -> silence(id)),
                                        delete(() -> expireSilence(id))))))
                )),
                path("metrics", () -> get(() -> complete(HttpResponse.create()
                        .withEntity(metricsContentType(), metrics.scrape()))))
        )));
    }

    /** {@code GET /api/v1/alerts[?state=firing|pending][&rule=...]}: what is pending or firing right now. */
    private Route currentAlerts(Map<String, String> params) {
        String state = params.get("state");
        if (state != null && !state.equals("firing") && !state.equals("pending")) {
            return complete(error(StatusCodes.BAD_REQUEST, "state must be firing or pending, got '" + state + "'"));
        }
        String rule = params.get("rule");
        List<Map<String, Object>> result = alerts.snapshot().stream()
                .filter(a -> state == null || a.state().label().equals(state))
                .filter(a -> rule == null || a.rule().equals(rule))
                .map(this::withAck)
                .toList();
        return complete(json(StatusCodes.OK, result));
    }

    /** An alert as the API shows it: its status and, if someone acknowledged it, who, when and why. */
    private Map<String, Object> withAck(AlertStatus status) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(status, LinkedHashMap.class);
        map.put("acknowledged", acknowledgements.get(status.id()));
        return map;
    }

    /** {@code POST /api/v1/alerts/{id}/ack} with an optional {@code {"by": ..., "comment": ...}}. */
    private Route acknowledge(String id, String body) {
        String by;
        String comment;
        try {
            com.fasterxml.jackson.databind.JsonNode node = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            if (!node.isObject()) {
                return complete(error(StatusCodes.BAD_REQUEST, "the body must be a JSON object or empty"));
            }
            by = node.path("by").asText("");
            comment = node.path("comment").asText("");
        } catch (JsonProcessingException e) {
            return complete(error(StatusCodes.BAD_REQUEST, "the body must be a JSON object: " + e.getOriginalMessage()));
        }
        return onSuccess(CompletableFuture.supplyAsync(() -> {
            boolean known = alerts.snapshot().stream().anyMatch(a -> a.id().equals(id))
                    || !store.alertEpisode(id).isEmpty();
            if (!known) {
                return null;
            }
            Acknowledgement ack = new Acknowledgement(id, System.currentTimeMillis(), by, comment);
            store.saveAcknowledgement(ack);
            acknowledgements.add(ack);
            return ack;
        }, blocking), ack -> ack == null
                ? complete(error(StatusCodes.NOT_FOUND, "no alert with id " + id))
                : complete(json(StatusCodes.OK, ack)));
    }

    /** {@code GET /api/v1/alerts/history?from&to&rule&sensor&limit}: transitions, newest first. */
    private Route history(Map<String, String> params) {
        Listing listing;
        try {
            listing = Listing.parse(params, 24L * 3600 * 1000);
        } catch (IllegalArgumentException e) {
            return complete(error(StatusCodes.BAD_REQUEST, e.getMessage()));
        }
        long from = listing.from();
        long to = listing.to();
        int limit = listing.limit();
        String rule = params.get("rule");
        String sensor = params.get("sensor");
        return onSuccess(CompletableFuture.supplyAsync(() -> store.alertHistory(from, to, rule, sensor, limit), blocking),
                events -> complete(json(StatusCodes.OK, events)));
    }

    /** {@code POST /api/v1/<path>} of each http-push source. */
    private Route ingestRoutes() {
        List<Route> routes = new ArrayList<>();
        for (SensorSource source : sources) {
            source.capability(io.sensorflow.source.HttpIngest.class)
                    .ifPresent(ingest -> routes.add(path(pathMatcher(ingest.path()), ingest::route)));
        }
        return routes.isEmpty() ? reject() : concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
    }

    /** A path of one or more segments, e.g. {@code ingest/lab}. */
    private static org.apache.pekko.http.javadsl.server.PathMatcher0 pathMatcher(String path) {
        String[] segments = path.split("/");
        org.apache.pekko.http.javadsl.server.PathMatcher0 matcher = org.apache.pekko.http.javadsl.server.PathMatchers
                .segment(segments[0]);
        for (int i = 1; i < segments.length; i++) {
            matcher = matcher.slash(segments[i]);
        }
        return matcher;
    }

    /**
     * {@code GET /api/v1/dead-letters?from&to&source&reason&before&limit}: input that could not become readings (and
     * failed actions), newest first. {@code before} takes the {@code id} of the last one seen, for the next page.
     * A payload that is UTF-8 text is shown as text, any other as base64.
     */
    private Route deadLetters(Map<String, String> params) {
        Listing listing;
        long before;
        try {
            listing = Listing.parse(params, Long.MAX_VALUE);
            before = params.containsKey("before") ? wholeNumber(params.get("before"), "before") : Long.MAX_VALUE;
        } catch (IllegalArgumentException e) {
            return complete(error(StatusCodes.BAD_REQUEST, e.getMessage()));
        }
        long from = listing.from();
        long to = listing.to();
        int limit = listing.limit();
        String origin = params.get("source");
        String reason = params.get("reason");
        return onSuccess(CompletableFuture.supplyAsync(
                () -> store.deadLetters(from, to, origin, reason, before, limit), blocking), letters -> {
            List<Map<String, Object>> body = new ArrayList<>(letters.size());
            for (io.sensorflow.store.StoredDeadLetter stored : letters) {
                io.sensorflow.model.DeadLetter letter = stored.letter();
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("id", stored.id());
                item.put("source", letter.origin());
                item.put("topic", letter.topic());
                item.put("reason", letter.reason());
                item.put("detail", letter.detail());
                item.put("receivedAt", java.time.Instant.ofEpochMilli(letter.receivedAt()).toString());
                String text = utf8(letter.payload());
                item.put("payloadEncoding", text == null ? "base64" : "text");
                item.put("payload", text == null ? java.util.Base64.getEncoder().encodeToString(letter.payload()) : text);
                item.put("payloadBytes", letter.payload().length);
                body.add(item);
            }
            return complete(json(StatusCodes.OK, body));
        });
    }

    /** The {@code from}, {@code to} and {@code limit} of a listing endpoint, checked. */
    private record Listing(long from, long to, int limit) {

        /**
         * @param span how far before {@code to} an absent {@code from} lies; {@code Long.MAX_VALUE}: from the start
         * @throws IllegalArgumentException with the message for the 400
         */
        static Listing parse(Map<String, String> params, long span) {
            long to = params.containsKey("to") ? instant(params.get("to"), "to") : System.currentTimeMillis() + 1;
            long from = params.containsKey("from") ? instant(params.get("from"), "from")
                    : span == Long.MAX_VALUE ? 0 : to - span;
            long limit = params.containsKey("limit") ? wholeNumber(params.get("limit"), "limit") : 100;
            if (from >= to) {
                throw new IllegalArgumentException("from must be before to");
            }
            if (limit < 1 || limit > MAX_HISTORY) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_HISTORY);
            }
            return new Listing(from, to, (int) limit);
        }
    }

    private static long wholeNumber(String text, String name) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'");
        }
    }

    /** The payload as text if it is valid UTF-8 (stored payloads are cut at 4 KiB, perhaps inside a character). */
    private static String utf8(byte[] payload) {
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(payload)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /** Epoch milliseconds or ISO-8601. */
    static long instant(String text, String name) {
        try {
            return text.chars().allMatch(Character::isDigit) && !text.isEmpty() ? Long.parseLong(text)
                    : java.time.Instant.parse(text).toEpochMilli();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " must be epoch milliseconds or ISO-8601 (2026-11-22T07:15:02Z), "
                    + "got '" + text + "'");
        }
    }

    /** {@code GET /api/v1/alerts/{id}}: one episode with every transition and what the condition saw. */
    private Route episode(String id) {
        return onSuccess(CompletableFuture.supplyAsync(() -> store.alertEpisode(id), blocking), events -> {
            if (events.isEmpty()) {
                return complete(error(StatusCodes.NOT_FOUND, "no alert with id " + id));
            }
            AlertEvent first = events.get(0);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("rule", first.rule());
            body.put("sensor", first.sensor());
            body.put("metric", first.metric());
            body.put("group", first.group());
            body.put("severity", first.severity());
            body.put("since", first.since());
            body.put("current", alerts.snapshot().stream().filter(a -> a.id().equals(id)).findFirst().orElse(null));
            body.put("acknowledged", acknowledgements.get(id));
            body.put("transitions", events);
            return complete(json(StatusCodes.OK, body));
        });
    }

    /** {@code GET /api/v1/rules}: every rule, and its alerts that are pending or firing now. */
    private Route rules() {
        List<AlertStatus> current = alerts.snapshot();
        List<Map<String, Object>> result = new ArrayList<>();
        for (Rule rule : reloader.rules()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", rule.name());
            r.put("type", rule.type().name());
            r.put("description", rule.description());
            r.put("match", Map.of("sensor", rule.match().sensor().toString(), "metric",
                    rule.match().metric().toString(), "tags", rule.match().tags().entrySet().stream()
                            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString()))));
            r.put("when", rule.when() == null ? null : rule.when().expression());
            r.put("clearWhen", rule.clearWhen().map(c -> c.expression()).orElse(null));
            r.put("forMs", rule.forDuration().toMillis());
            r.put("clearForMs", rule.clearFor().toMillis());
            r.put("severity", rule.severity().label());
            r.put("actions", rule.actionNames());
            r.put("alerts", current.stream().filter(a -> a.rule().equals(rule.name())).map(this::withAck).toList());
            result.add(r);
        }
        return complete(json(StatusCodes.OK, result));
    }

    /** {@code GET /api/v1/silences[?all=true]}: silences in force or to come (all: also those that ended). */
    private Route listSilences(Map<String, String> params) {
        long since = "true".equals(params.get("all")) ? Long.MIN_VALUE : System.currentTimeMillis();
        return onSuccess(CompletableFuture.supplyAsync(() -> store.silences(since), blocking),
                list -> complete(json(StatusCodes.OK, list)));
    }

    private Route silence(String id) {
        return onSuccess(CompletableFuture.supplyAsync(() -> find(id), blocking), found -> found == null
                ? complete(error(StatusCodes.NOT_FOUND, "no silence with id " + id))
                : complete(json(StatusCodes.OK, found)));
    }

    private Silence find(String id) {
        return store.silences(Long.MIN_VALUE).stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    }

    /**
     * {@code POST /api/v1/silences} with {@code {"rule", "sensor", "metric", "group", "tags": {...}, "startsAt",
     * "endsAt" or "duration", "comment", "createdBy"}}: matchers are globs, at least one is required.
     */
    private Route createSilence(String body) {
        Silence silence;
        try {
            silence = SilenceRequest.parse(JSON.readTree(body), System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            return complete(error(StatusCodes.BAD_REQUEST, e.getMessage()));
        } catch (JsonProcessingException e) {
            return complete(error(StatusCodes.BAD_REQUEST, "the body must be a JSON object: " + e.getOriginalMessage()));
        }
        return onSuccess(CompletableFuture.supplyAsync(() -> {
            synchronized (silences) {
                store.saveSilence(silence);
                reloadSilences();
            }
            return silence;
        }, blocking), saved -> complete(json(StatusCodes.CREATED, saved)));
    }

    /** {@code DELETE /api/v1/silences/{id}}: ends the silence now; the record stays for the history. */
    private Route expireSilence(String id) {
        return onSuccess(CompletableFuture.supplyAsync(() -> {
            // One step with the store, so that a concurrent create cannot install an older snapshot.
            synchronized (silences) {
                return expire(id);
            }
        }, blocking), ended -> ended == null
                ? complete(error(StatusCodes.NOT_FOUND, "no silence with id " + id))
                : complete(json(StatusCodes.OK, ended)));
    }

    private Silence expire(String id) {
        Silence found = find(id);
        if (found == null) {
            return null;
        }
        long now = System.currentTimeMillis();
        Silence ended = new Silence(found.id(), found.rule(), found.sensor(), found.metric(), found.group(),
                found.tags(), Math.min(found.startsAt(), now), Math.min(found.endsAt(), now), found.comment(),
                found.createdBy(), found.createdAt());
        store.saveSilence(ended);
        reloadSilences();
        return ended;
    }

    private void reloadSilences() {
        silences.replace(store.silences(System.currentTimeMillis()));
    }

    /**
     * {@code POST /api/v1/admin/reload}: 200 with what was kept, reset and removed; 400 with every problem (as
     * {@code check} prints them) when the new config is invalid, in which case nothing changed.
     */
    private Route reload() {
        CompletableFuture<RuleSet.Reload> outcome = reloader.reload().toCompletableFuture()
                .orTimeout(RELOAD_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return onComplete(outcome, attempt -> {
            if (attempt.isFailure()) {
                return complete(error(StatusCodes.SERVICE_UNAVAILABLE, "the rules stage did not take the new rules "
                        + "within " + RELOAD_WAIT.toSeconds() + " s (is the store stalled?); they apply as soon as it "
                        + "moves again"));
            }
            RuleSet.Reload result = attempt.get();
            if (!result.ok()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", "invalid-config");
                body.put("message", "the config has problems; the current rules keep running");
                body.put("problems", result.problems().stream().map(Object::toString).toList());
                return complete(json(StatusCodes.BAD_REQUEST, body));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "reloaded");
            body.put("kept", result.kept());
            body.put("reset", result.reset());
            body.put("removed", result.removed());
            body.put("notes", result.notes());
            return complete(json(StatusCodes.OK, body));
        });
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
        return ExceptionHandler.newBuilder().match(java.util.concurrent.CompletionException.class,
                e -> e.getCause() instanceof io.sensorflow.store.StoreException,
                e -> storeUnavailable(e.getCause())).match(io.sensorflow.store.StoreException.class,
                this::storeUnavailable).matchAny(e -> {
            LOG.error("HTTP request failed", e);
            return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + e.getMessage()));
        }).build();
    }

    /** The store is down (PostgreSQL restarting, say): the client may retry, and it is not our bug. */
    private Route storeUnavailable(Throwable e) {
        LOG.warn("HTTP request failed on the store: {}", e.getMessage());
        return complete(error(StatusCodes.SERVICE_UNAVAILABLE, "the store cannot answer right now: " + e.getMessage()));
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
