package io.sensorflow.http;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.Silences;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreException;
import io.sensorflow.telemetry.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The HTTP API: one class per resource (health, readings, alerts, rules, dead letters, silences, admin, ingest,
 * metrics), mounted here behind one exception handler and one rejection handler. Every error is JSON
 * {@code {"error": ..., "message": ...}}; 4xx are logged at debug, 5xx with their stack.
 */
public final class HttpApi extends AllDirectives implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** The first path segments under {@code /api/v1/} that the API serves itself, which no source may take. */
    public static final List<String> OWN_PATHS = List.of(ReadingsApi.PATH, AlertsApi.PATH, RulesApi.PATH,
            DeadLettersApi.PATH, DeliveriesApi.PATH, AdminApi.PATH, SilencesApi.PATH, StreamApi.PATH, SourcesApi.PATH,
            SessionApi.PATH, OpenApi.PATH);

    /**
     * On every answer: no content sniffing, no framing by other sites, no inline script or style (the dashboard
     * serves its scripts and styles as files), and no referrer leaking URLs with sensor names.
     */
    private static final List<HttpHeader> SECURITY_HEADERS = List.of(
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                    + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("Referrer-Policy", "no-referrer"));

    private final HealthApi health;
    private final List<ApiResource> resources;
    private final IngestApi ingest;
    private final MetricsApi metrics;
    private final QueryPool queryPool;
    private final StreamApi stream;
    private final Authorizer authorizer;
    private final Cors cors;
    private final Dashboard dashboard = new Dashboard();
    private final java.util.Optional<HttpConfig.Tls> tls;
    private final HttpConfig.Limits limits;
    private final Metrics requestMetrics;

    public HttpApi(HttpConfig config, ReadingStore store, List<SensorSource> sources, AlertBoard alerts,
                   Silences silences, Acknowledgements acknowledgements, RuleSet rules, LiveFeed feed,
                   Metrics metrics, java.util.function.Supplier<List<io.sensorflow.telemetry.Readiness>> degraded,
                   java.util.Optional<io.sensorflow.cluster.ClusterNode> cluster) {
        this.health = new HealthApi(store, sources, degraded, cluster);
        this.queryPool = new QueryPool(config.queries(), metrics);
        Sessions sessions = new Sessions(config.sessions().max(), config.sessions().idleTimeout(),
                java.time.Clock.systemUTC());
        this.authorizer = new Authorizer(config.auth(), sessions, config.corsOrigins());
        this.cors = new Cors(config.corsOrigins());
        this.tls = config.tls();
        this.limits = config.limits();
        this.requestMetrics = metrics;
        metrics.queryPool(queryPool::running, queryPool::waiting);
        StoreQueries queries = new StoreQueries(store, queryPool);
        CurrentAlerts current = new CurrentAlerts(alerts, acknowledgements, queries);
        this.stream = new StreamApi(queries, feed, config.stream(), metrics);
        if (config.latestValues().maxSeries() > 0) {
            feed.subscribe(new LatestValueGauges(io.sensorflow.rule.Glob.of(config.latestValues().sensors()),
                    config.latestValues().maxSeries(), metrics));
        }
        this.resources = List.of(
                new ReadingsApi(queries),
                new AlertsApi(queries, current),
                new RulesApi(rules, current),
                new DeadLettersApi(queries),
                new DeliveriesApi(queries),
                new AdminApi(rules, cluster),
                new SilencesApi(queries, silences),
                stream,
                new SourcesApi(sources, metrics),
                new SessionApi(config.auth(), sessions, authorizer, config.tls().isPresent()),
                new OpenApi());
        if (!resources.stream().map(ApiResource::path).toList().equals(OWN_PATHS)) {
            // What a source may not take is checked against OWN_PATHS at config time; it must be what is served.
            throw new IllegalStateException("OWN_PATHS does not list the resources' paths");
        }
        this.ingest = new IngestApi(sources);
        this.metrics = new MetricsApi(metrics);
    }

    /**
     * Serves the API. Each connection is handled as Pekko's own {@code bind} would (at most
     * {@code max-connections} at once), with one addition: Pekko has no timeout for a request head that never
     * completes, so a connection that has not sent a whole first request within {@code request-header-timeout} is
     * closed. Without it, slow-loris clients (a header line every few seconds, never finished; each line resets
     * the idle timeout) hold every connection slot, and new clients, a health probe among them, wait in the
     * kernel's accept queue.
     */
    public CompletionStage<ServerBinding> bind(ActorSystem system, String host, int port) {
        var server = Http.get(system).newServerAt(host, port).withSettings(serverSettings(system));
        if (tls.isPresent()) {
            server = server.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(
                    Tls.context(tls.get())));
        }
        Counter closedSlow = requestMetrics.httpSlowConnections();
        Flow<HttpRequest, HttpResponse, CompletionStage<Done>> connection = Flow.<HttpRequest>create()
                .initialTimeout(limits.requestHeaderTimeout())
                .recoverWithRetries(1, TimeoutException.class, () -> {
                    closedSlow.inc();
                    return Source.empty();
                })
                .via(routes().flow(system))
                .watchTermination(Keep.right());
        Materializer materializer = Materializer.matFromSystem(system);
        return server.connectionSource()
                .mapAsyncUnordered(limits.maxConnections(), incoming -> incoming.handleWith(connection, materializer)
                        // A connection's own failure (a reset, a TLS error) must not end the binding.
                        .exceptionally(e -> Done.getInstance()))
                .to(Sink.ignore())
                .run(system);
    }

    /** Pekko's server settings with {@code http.limits} over them. */
    private ServerSettings serverSettings(ActorSystem system) {
        Map<String, Object> overrides = Map.of(
                "pekko.http.server.max-connections", limits.maxConnections(),
                // Pekko's 100 drops the SYNs of a burst of new connections (a dashboard wall reloading, 500
                // clients at once), and each dropped one costs its client a second or more before it tries again.
                "pekko.http.server.backlog", 1024,
                "pekko.http.server.request-timeout", limits.requestTimeout().toMillis() + "ms",
                "pekko.http.server.idle-timeout", limits.idleTimeout().toMillis() + "ms",
                "pekko.http.server.parsing.max-uri-length", limits.maxUriLength(),
                "pekko.http.server.parsing.max-header-count", limits.maxHeaderCount(),
                "pekko.http.server.parsing.max-header-value-length", limits.maxHeaderValueLength());
        return ServerSettings.create(ConfigFactory.parseMap(overrides).withFallback(system.settings().config()));
    }

    public Route routes() {
        return counted(() -> headAsGet(() -> respondWithDefaultHeaders(SECURITY_HEADERS, () ->
                handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> concat(
                health.routes(),
                cors.handle(() -> authorizer.protect(() -> concat(
                        dashboard.routes(),
                        pathPrefix(segment("api").slash("v1"), () -> concat(
                                concat(reject(), resources.stream().map(ApiResource::route)
                                        .toArray(Route[]::new)),
                                ingest.routes())),
                        metrics.routes())))))))));
    }

    /**
     * Answers HEAD on every route that answers GET, with the same status and headers. Pekko's
     * {@code transparent-head-requests}, which would do this in the server, is off by default, and our routes match
     * {@code get()}, which a HEAD fails with 405. Doing it here rather than turning the setting on keeps HEAD
     * visible to {@link #counted} as itself, and holds in route tests, which bypass the server. Past this point the
     * request is a GET, for the authorizer too, which needs the read scope for it. The server never sends a body in
     * answer to HEAD: it drops the GET's body, and cancels a streamed one.
     */
    private Route headAsGet(Supplier<Route> inner) {
        return extractRequest(request -> request.method().equals(HttpMethods.HEAD)
                ? mapRequest(r -> r.withMethod(HttpMethods.GET), inner)
                : inner.get());
    }

    /** Counts every answer by route, method and status; the labels are a small fixed set whatever the path. */
    private Route counted(Supplier<Route> inner) {
        return extractRequest(request -> {
            String route = RouteLabel.of(request.getUri().pathSegments());
            String method = request.method().value();
            return mapResponse(response -> {
                requestMetrics.httpRequests(route, method, response.status().intValue()).inc();
                return response;
            }, inner);
        });
    }

    /** The query threads, for tests that fill them. */
    QueryPool queryPool() {
        return queryPool;
    }

    /** Stops the query threads; queries still running finish on their own. */
    @Override
    public void close() {
        stream.close();
        queryPool.close();
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                .match(CompletionException.class, e -> e.getCause() instanceof QueryPool.Busy,
                        e -> busy(e.getCause()))
                .match(QueryPool.Busy.class, this::busy)
                .match(CompletionException.class, e -> e.getCause() instanceof StoreException,
                        e -> storeUnavailable(e.getCause()))
                .match(StoreException.class, this::storeUnavailable)
                .matchAny(e -> {
                    LOG.error("HTTP request failed", e);
                    return complete(Responses.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: "
                            + e.getMessage()));
                }).build();
    }

    /** Too many queries at once: the client should come back in a second, as every well-behaved one will. */
    private Route busy(Throwable e) {
        LOG.debug("HTTP query refused: {}", e.getMessage());
        return complete(Responses.error(StatusCodes.SERVICE_UNAVAILABLE, e.getMessage())
                .addHeader(RetryAfter.create(1L)));
    }

    /** The store is down (PostgreSQL restarting, say): the client may retry, and it is not our bug. */
    private Route storeUnavailable(Throwable e) {
        LOG.warn("HTTP request failed on the store: {}", e.getMessage());
        return complete(Responses.error(StatusCodes.SERVICE_UNAVAILABLE, "the store cannot answer right now: "
                + e.getMessage()));
    }

    /** Pekko's default rejection answers are right in status and wording; only their body becomes JSON. */
    private RejectionHandler rejectionHandler() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict
                    && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                LOG.debug("HTTP {}: {}", response.status().intValue(), strict.getData().utf8String());
                return Responses.error(response.status(), strict.getData().utf8String());
            }
            return response;
        });
    }
}
