package io.sensorflow.source.http;

import io.sensorflow.codec.TopicMatch;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Failures;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import io.sensorflow.telemetry.Readiness;
import io.sensorflow.telemetry.Redact;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * Polls each URL on its own schedule and hands each answer to the pipeline like an MQTT message.
 *
 * <p>Every URL is a stream of its own: a tick per {@code interval}, then one poll at a time. A poll that is still
 * running (retrying a feed that is down, or held back by a slow pipeline) makes that URL skip ticks, never the
 * others. Requests in flight across the source are bounded by {@code max-concurrency}, and those to one host and
 * port by {@code max-per-host}, so that a slow host cannot take every slot; a permit is held only during a request,
 * not while waiting to retry. {@code ETag} and {@code Last-Modified} are sent back as
 * {@code If-None-Match} and {@code If-Modified-Since}, so an unchanged resource costs a 304 and no readings.
 * There is nothing to acknowledge: a reading lost to a crash before its commit is fetched again only if the URL
 * still serves it.
 */
public final class HttpPollSource implements SensorSource {

    private static final Object TICK = new Object();

    private final HttpPollSourceConfig config;
    private final Clock clock;
    private final Metrics metrics;
    private final HttpClient client;
    private final AsyncPermits permits;
    private final int maxPayload;
    private final List<FeedState> feeds = new ArrayList<>();
    private final SharedKillSwitch intake;
    private final java.util.function.Predicate<String> pollsHere;
    /** Schedules the retries, and cancels exchanges that run past twice the timeout. */
    private final ActorSystem system;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(HttpPollSource.class));

    HttpPollSource(HttpPollSourceConfig config, SourceContext context) {
        this.config = config;
        this.clock = context.clock();
        this.metrics = context.metrics();
        this.permits = new AsyncPermits(config.maxConcurrency());
        this.maxPayload = context.decoder().maxPayload();
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                // A redirect could lead past the outbound guard to an address it refuses.
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.intake = KillSwitches.shared("http-poll-" + config.name());
        this.system = context.system();
        this.pollsHere = context.fetchesHere();
        Map<String, AsyncPermits> hosts = new HashMap<>();
        for (HttpPollSourceConfig.Feed feed : config.feeds()) {
            feeds.add(new FeedState(feed, hosts.computeIfAbsent(hostAndPort(feed.url()),
                    host -> new AsyncPermits(config.maxPerHost()))));
        }
    }

    /** What one URL last did; written by its own poll only, read by readiness. */
    private final class FeedState {
        final HttpPollSourceConfig.Feed feed;
        /** The URL in logs, metrics, health and dead letters: its query values hidden (API keys live there). */
        final String shown;
        final TopicMatch topic;
        /** Shared by the URLs of one host and port. */
        final AsyncPermits host;
        volatile String etag;
        volatile String lastModified;
        volatile boolean up = true;
        volatile boolean polled;
        volatile String problem = "not polled yet";
        /** What decides which node of a cluster polls it: the source and the URL. */
        final String key;
        /** Polled by this node now; in a cluster, by the node that holds the key's shard. */
        volatile boolean here = true;

        FeedState(HttpPollSourceConfig.Feed feed, AsyncPermits host) {
            this.feed = feed;
            this.host = host;
            this.shown = Redact.url(feed.url());
            this.topic = new TopicMatch(shown, feed.sensor(), feed.metric(), feed.tags());
            this.key = SourceContext.fetchKey(config.name(), feed.url().toString());
        }
    }

    /** What max-per-host counts by: the host as written (names are not resolved), and the port a scheme implies. */
    static String hostAndPort(URI url) {
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** A URL from outside (a redirect's target) as logs and health show it. */
    private static String shown(String url) {
        try {
            return Redact.url(java.net.URI.create(url));
        } catch (IllegalArgumentException e) {
            return "an unreadable URL";
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Source<Incoming, NotUsed> incoming() {
        // Each URL's stream restarts on its own with backoff should it ever fail (a poll itself never does).
        RestartSettings restart = RestartSettings.create(config.minBackoff(), config.interval().plus(config.maxBackoff()),
                0.25)
                .withLogSettings(RestartSettings.createLogSettings(org.apache.pekko.event.Logging.WarningLevel()));
        return Source.from(feeds)
                .flatMapMerge(Math.max(1, feeds.size()), state -> RestartSource.withBackoff(restart, () -> feed(state)))
                .via(intake.flow());
    }

    private Source<Incoming, NotUsed> feed(FeedState state) {
        // Spread the first polls over up to a second, so that a thousand URLs do not all start in the same instant
        // (and stay spread, each on its own tick), while the first readings still come at once after a start.
        long spread = ThreadLocalRandom.current().nextLong(Math.min(1000, config.interval().toMillis()) + 1);
        return Source.tick(Duration.ofMillis(spread), config.interval(), TICK)
                .mapMaterializedValue(cancellable -> NotUsed.getInstance())
                // A tick while this URL's poll still runs (slow, retrying, or a slow pipeline) is a poll skipped:
                // counted as requests{outcome="skipped"}, not queued. Without conflate the tick source drops it unseen.
                .conflateWithSeed(tick -> 0L, (skipped, tick) -> skipped + 1)
                .mapAsync(1, skipped -> {
                    boolean wasHere = state.here;
                    state.here = pollsHere.test(state.key);
                    if (!state.here) {
                        // Another node of the cluster polls it; this one takes over if that node leaves.
                        if (wasHere && state.polled) {
                            state.polled = false;
                            metrics.feedElsewhere(config.name(), state.shown);
                        }
                        return CompletableFuture.completedFuture(Optional.<Incoming>empty());
                    }
                    if (skipped > 0) {
                        metrics.sourceRequests(config.name(), "skipped").inc(skipped);
                    }
                    return poll(state);
                })
                .mapConcat(incoming -> incoming.map(List::of).orElse(List.of()));
    }

    /**
     * One poll of one URL with its retries (Pekko's, with jittered exponential backoff, so that the feeds of one
     * server do not retry in step); never fails, so one bad feed cannot end the stream.
     */
    private CompletionStage<Optional<Incoming>> poll(FeedState state) {
        return Patterns.retry(() -> attempt(state),
                (result, error) -> error != null && retryable(Failures.cause(error)), config.retries(),
                config.minBackoff(), config.maxBackoff(), 0.25, system).handle((result, error) -> {
            state.polled = true;
            if (error == null) {
                state.up = true;
                state.problem = "ok";
                metrics.feedUp(config.name(), state.shown, true);
                return result;
            }
            Throwable cause = Failures.cause(error);
            boolean wasUp = state.up;
            state.up = false;
            state.problem = describe(cause);
            metrics.feedUp(config.name(), state.shown, false);
            if (wasUp) {
                log.warn(config.name() + "/" + state.shown, "source {}: {} is down ({}); polling it again every {}",
                        config.name(), state.shown, state.problem,
                        io.sensorflow.config.Durations.format(config.interval()));
            }
            return Optional.empty();
        });
    }

    /** One request; fails with what went wrong, which {@link #retryable} judges. */
    private CompletionStage<Optional<Incoming>> attempt(FeedState state) {
        // The host's permit first: a URL queued behind a slow host must not sit on one of the source's permits, or
        // that host would take them all after all. Always in this order, so no two URLs wait for each other.
        return state.host.acquire()
                .thenCompose(hostPermit -> permits.acquire())
                .thenCompose(permit -> {
                    CompletableFuture<HttpResponse<byte[]>> exchange;
                    try {
                        exchange = exchange(state);
                    } catch (RuntimeException e) {
                        // Whatever fails before the request is sent must give the permits back, or the source
                        // runs out of them.
                        release(state);
                        return CompletableFuture.failedFuture(e);
                    }
                    return exchange.whenComplete((response, error) -> release(state));
                })
                .thenApply(response -> {
                    int status = response.statusCode();
                    outcome(status);
                    if (status == 304) {
                        return Optional.<Incoming>empty();
                    }
                    if (status >= 500 || status == 429) {
                        throw new Retryable("HTTP " + status);
                    }
                    if (status >= 300 && status < 400) {
                        throw new Failed("HTTP " + status + ", a redirect to "
                                + response.headers().firstValue("Location").map(HttpPollSource::shown).orElse("nowhere")
                                + "; redirects are not followed: put the final URL in the config");
                    }
                    if (status >= 300) {
                        throw new Failed("HTTP " + status);
                    }
                    response.headers().firstValue("ETag").ifPresent(etag -> state.etag = etag);
                    response.headers().firstValue("Last-Modified").ifPresent(lm -> state.lastModified = lm);
                    // A body is a message, as an MQTT publish is: sensorflow_readings_received and the sources API
                    // counted none for a source that stored readings.
                    metrics.received(config.name()).inc();
                    return Optional.of(new Incoming(config.name(), response.body(), clock.millis(),
                            config.payload().codec(), state.topic, Acknowledgement.NONE));
                })
                .handle((result, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(result);
                    }
                    Throwable cause = Failures.cause(error);
                    if (cause instanceof java.util.concurrent.CancellationException) {
                        // Cancelled by the timer: a timeout.
                        cause = new TimeoutException("the answer took longer than " + config.timeout().toMillis() * 2
                                + " ms");
                    }
                    if (!(cause instanceof Failed) && !(cause instanceof Retryable)) {
                        outcome(cause instanceof HttpTimeoutException || cause instanceof TimeoutException
                                ? "timeout" : cause instanceof BoundedBody.TooLarge ? "too-large" : "error");
                    }
                    return CompletableFuture.<Optional<Incoming>>failedFuture(cause);
                })
                .thenCompose(stage -> stage);
    }

    private void release(FeedState state) {
        permits.release();
        state.host.release();
    }

    private CompletableFuture<HttpResponse<byte[]>> exchange(FeedState state) {
        HttpRequest.Builder request = HttpRequest.newBuilder(state.feed.url()).timeout(config.timeout()).GET();
        for (Map.Entry<String, String> header : config.headers().entrySet()) {
            request.header(header.getKey(), header.getValue());
        }
        if (state.etag != null) {
            request.header("If-None-Match", state.etag);
        }
        if (state.lastModified != null) {
            request.header("If-Modified-Since", state.lastModified);
        }
        // The request timeout ends the wait for the headers; this one also bounds a body that trickles in, and
        // cancels the exchange, so that a slow server cannot hold more than max-concurrency connections open.
        // The exchange is cancelled first, and only its completion gives the permit back: no moment with one
        // connection more than max-concurrency. The timer goes as soon as the exchange ends, and with it any hold on
        // the response.
        HttpRequest built = request.build();
        CompletableFuture<HttpResponse<byte[]>> exchange = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<HttpResponse<byte[]>>> sent =
                new java.util.concurrent.atomic.AtomicReference<>();
        config.guard().refusalAsync(state.feed.url()).whenComplete((refusal, error) -> {
            if (error != null || refusal != null) {
                exchange.completeExceptionally(error != null ? error : new Failed("not polled: " + refusal));
                return;
            }
            CompletableFuture<HttpResponse<byte[]>> send = client.sendAsync(built, BoundedBody.handler(maxPayload));
            sent.set(send);
            if (exchange.isDone()) {
                send.cancel(true);
            }
            send.whenComplete((response, failed) -> {
                if (failed != null) {
                    exchange.completeExceptionally(failed);
                } else {
                    exchange.complete(response);
                }
            });
        });
        Cancellable timer = system.scheduler().scheduleOnce(config.timeout().multipliedBy(2), () -> {
            CompletableFuture<HttpResponse<byte[]>> send = sent.get();
            if (send != null) {
                send.cancel(true);
            }
            exchange.cancel(true);
        }, system.dispatcher());
        exchange.whenComplete((response, error) -> timer.cancel());
        return exchange;
    }

    private static boolean retryable(Throwable cause) {
        return !(cause instanceof Failed) && !(cause instanceof BoundedBody.TooLarge)
                && !(cause instanceof IllegalArgumentException);
    }

    private void outcome(int status) {
        outcome(status == 304 ? "304" : (status / 100) + "xx");
    }

    private void outcome(String outcome) {
        metrics.sourceRequests(config.name(), outcome).inc();
    }

    private static String describe(Throwable cause) {
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return "timed out";
        }
        String message = cause.getMessage();
        if ((message == null || message.isBlank()) && cause instanceof java.net.ConnectException) {
            // What the JDK's client fails with when nothing listens; its class name told a user little.
            return "connection refused";
        }
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    /** A status worth retrying (5xx, 429). */
    private static final class Retryable extends RuntimeException {
        Retryable(String message) {
            super(message, null, false, false);
        }
    }

    /** A status that a retry will not change (4xx, a redirect loop). */
    private static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Ready while at least one URL answers; the ones that are down are named. A single broken device must not take
     * a daemon that serves a thousand others out of its load balancer, but an operator must see it. In a cluster,
     * of the URLs this node polls; a node that polls none now is ready.
     */
    @Override
    public Readiness readiness() {
        String component = "source " + config.name();
        List<String> down = new ArrayList<>();
        int polled = 0;
        int here = 0;
        for (FeedState state : feeds) {
            if (!state.here) {
                continue;
            }
            here++;
            if (state.polled) {
                polled++;
                if (!state.up) {
                    down.add(state.shown + " (" + state.problem + ")");
                }
            }
        }
        if (here == 0) {
            return new Readiness(component, true, "its URLs are polled by the cluster's other nodes now");
        }
        if (polled == 0) {
            return Readiness.notReady(component, "no URL polled yet");
        }
        if (down.isEmpty()) {
            return Readiness.ready(component);
        }
        String detail = down.size() + " of " + here + " URLs down: "
                + String.join(", ", down.subList(0, Math.min(5, down.size()))) + (down.size() > 5 ? ", ..." : "");
        return new Readiness(component, down.size() < here, detail);
    }

    @Override
    public void stopIntake() {
        intake.shutdown();
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
