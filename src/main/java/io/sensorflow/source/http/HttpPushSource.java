package io.sensorflow.source.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TimePrecision;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.HttpIngest;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Failures;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code POST /api/v1/<path>}: readings pushed by gateways and scripts, chosen by Content-Type:
 * {@code application/json} (sensorflow's reading shape, one object or an array), {@code application/senml+json},
 * {@code application/senml+cbor}, and {@code text/plain} (InfluxDB line protocol, as InfluxDB's own write API).
 *
 * <p>The answer comes only after the request's readings and dead letters are committed: 202 when every element was
 * good, 400 naming each rejected element (the good ones are stored all the same), 413 over {@code max-body}, 415 for
 * another Content-Type, and 503 with Retry-After when {@code max-pending} requests already wait for their commit or
 * the commit takes longer than {@code commit-timeout}. So a saturated pipeline pushes back on the client instead of
 * queueing without bound, and a client that retries every 503 loses nothing and duplicates nothing.
 */
public final class HttpPushSource extends AllDirectives implements SensorSource, HttpIngest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** InfluxDB 2's precision names, and 1.x's n and u. */
    private static final Map<String, TimePrecision> PRECISIONS = Map.of("ns", TimePrecision.NS, "n", TimePrecision.NS,
            "us", TimePrecision.US, "u", TimePrecision.US, "ms", TimePrecision.MS, "s", TimePrecision.S);

    /** Per media type, the codec; for a format whose sender names its precision, one per precision name. */
    private final Map<String, PayloadCodec> codecs = new java.util.TreeMap<>();
    private final Map<String, Map<String, PayloadCodec>> byPrecision = new java.util.HashMap<>();

    private final HttpPushSourceConfig config;
    private final Clock clock;
    private final Metrics metrics;
    private final java.util.function.Supplier<String> storeTrouble;
    private final Decoder decoder;
    private final TopicMatch topic;
    private final AtomicReference<BoundedSourceQueue<Incoming>> queue = new AtomicReference<>();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean stopping;

    HttpPushSource(HttpPushSourceConfig config, SourceContext context) {
        this.config = config;
        this.clock = context.clock();
        this.metrics = context.metrics();
        this.decoder = context.decoder();
        this.storeTrouble = context.storeTrouble();
        this.topic = TopicMatch.none("POST /api/v1/" + config.path());
        config.formats().forEach((mediaType, format) -> {
            codecs.put(mediaType, format.codec(PayloadMapping.defaults()));
            if (format.queryPrecision()) {
                Map<String, PayloadCodec> precisions = new java.util.HashMap<>();
                PRECISIONS.forEach((name, precision) -> precisions.put(name, format.codec(
                        PayloadMapping.defaults().withPrecision(precision))));
                byPrecision.put(mediaType, precisions);
            }
        });
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String path() {
        return config.path();
    }

    @Override
    public Source<Incoming, NotUsed> incoming() {
        return Source.<Incoming>queue(config.maxPending()).mapMaterializedValue(q -> {
            synchronized (this) {
                queue.set(q);
                if (stopping) {
                    q.complete();
                }
            }
            return NotUsed.getInstance();
        });
    }

    @Override
    public Route route() {
        return post(() -> extractRequest(request -> {
            OptionalLong length = request.entity().getContentLengthOption();
            if (length.isPresent() && length.getAsLong() > config.maxBody()) {
                return tooLarge(length.getAsLong());
            }
            String mediaType = request.entity().getContentType().mediaType().toString().toLowerCase(Locale.ROOT);
            PayloadCodec codec = codecs.get(mediaType);
            if (codec == null) {
                return answer(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "415", Map.of("error", "unsupported-media-type",
                        "message", "Content-Type " + mediaType + " is not taken here; send one of " + codecs.keySet()));
            }
            if (byPrecision.containsKey(mediaType)) {
                // InfluxDB's write API names the timestamps' unit in the query: ?precision=s (or ms, us, ns).
                String precision = request.getUri().query().get("precision").orElse("ns");
                codec = byPrecision.get(mediaType).get(precision);
                if (codec == null) {
                    return answer(StatusCodes.BAD_REQUEST, "400", Map.of("error", "bad-request", "message",
                            "precision must be ns, us, ms or s, got '" + precision + "'"));
                }
            }
            if (stopping || queue.get() == null) {
                return complete(busy("the daemon is " + (stopping ? "stopping" : "starting")));
            }
            String trouble = storeTrouble.get();
            if (trouble != null) {
                return complete(busy(trouble));
            }
            PayloadCodec chosen = codec;
            // gzip and deflate bodies (Telegraf's default) are unpacked first; the limit applies to what they unpack
            // to. A chunked body has no length up front: the limit then ends its stream once passed.
            return decodeRequest(() -> withSizeLimit(config.maxBody(), () -> extractMaterializer(materializer ->
                    extractDataBytes(data -> {
                        // The slot is taken before the body is read (and after every directive that could reject
                        // the request), so that max-pending bounds the bodies in memory too.
                        if (pending.incrementAndGet() > config.maxPending()) {
                            pending.decrementAndGet();
                            return complete(busy(config.maxPending() + " requests are waiting for their commit "
                                    + "(max-pending)"));
                        }
                        CompletionStage<HttpResponse> answer;
                        try {
                            answer = data.runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
                                    .thenCompose(body -> ingest(body.toArray(), chosen))
                                    .exceptionally(this::failure);
                        } catch (RuntimeException e) {
                            // The materializer is shutting down (the daemon stops).
                            answer = CompletableFuture.completedFuture(failure(e));
                        }
                        // The one place the slot is given back, whatever the answer.
                        return completeWithFuture(answer.whenComplete((response, error) -> pending.decrementAndGet()));
                    }))));
        }));
    }

    /** Takes a body whose pending slot is held (the caller gives it back once the answer is known). */
    private CompletionStage<HttpResponse> ingest(byte[] body, PayloadCodec codec) {
        BoundedSourceQueue<Incoming> q = queue.get();
        CompletableFuture<Envelope> committed = new CompletableFuture<>();
        Acknowledgement ack = new Acknowledgement() {
            @Override
            public void acknowledge() {
                committed.complete(null);
            }

            @Override
            public void acknowledge(Envelope stored) {
                committed.complete(stored);
            }
        };
        long now = clock.millis();
        Envelope envelope = decoder.decode(new Incoming(config.name(), body, now, codec, topic, ack));
        QueueOfferResult offered = q.offer(Incoming.decoded(config.name(), now, topic, envelope));
        if (!offered.isEnqueued()) {
            return CompletableFuture.completedFuture(busy("the pipeline is not taking readings ("
                    + offered.getClass().getSimpleName().replace("$", "") + ")"));
        }
        metrics.received(config.name()).inc();
        return committed
                .orTimeout(config.commitTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((stored, error) -> {
                    if (error != null) {
                        return busy("the readings were not committed within " + config.commitTimeout().toSeconds()
                                + " s; they may still be stored (a retry stores no reading twice that carries its own "
                                + "timestamp)");
                    }
                    return result(stored != null ? stored : envelope);
                });
    }

    private HttpResponse result(Envelope envelope) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", envelope.readings().size());
        List<DeadLetter> bad = envelope.deadLetters();
        if (bad.isEmpty()) {
            return response(StatusCodes.ACCEPTED, "202", body);
        }
        List<Map<String, String>> rejected = new ArrayList<>(bad.size());
        for (DeadLetter letter : bad) {
            rejected.add(Map.of("reason", letter.reason(), "detail", letter.detail()));
        }
        body.put("rejected", rejected);
        body.put("error", "bad-input");
        body.put("message", envelope.rejections() + " element(s) rejected and kept as dead letters; the "
                + envelope.readings().size() + " good readings are stored");
        return response(StatusCodes.BAD_REQUEST, "400", body);
    }

    private HttpResponse busy(String why) {
        return response(StatusCodes.SERVICE_UNAVAILABLE, "503", Map.of("error", "busy", "message", why))
                .addHeader(RetryAfter.create(Math.max(1, config.retryAfter().toSeconds())));
    }

    private Route tooLarge(long size) {
        return answer(StatusCodes.PAYLOAD_TOO_LARGE, "413", Map.of("error", "payload-too-large", "message",
                "the body of " + size + " bytes is over max-body = " + config.maxBody() + " bytes"));
    }

    private HttpResponse failure(Throwable error) {
        Throwable cause = Failures.cause(error);
        if (cause instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
            return response(StatusCodes.PAYLOAD_TOO_LARGE, "413", Map.of("error", "payload-too-large", "message",
                    "the body is over max-body = " + config.maxBody() + " bytes"));
        }
        if (cause instanceof TimeoutException) {
            return busy("timed out");
        }
        if (cause instanceof VirtualMachineError) {
            // Out of memory is the daemon's trouble, not the sender's bad data: try again later.
            return busy("the daemon could not take the body now: " + cause);
        }
        return response(StatusCodes.BAD_REQUEST, "400", Map.of("error", "bad-request", "message",
                "the request body could not be read: " + cause.getMessage()));
    }

    private Route answer(StatusCode status, String outcome, Map<String, Object> body) {
        return complete(response(status, outcome, body));
    }

    private HttpResponse response(StatusCode status, String outcome, Map<String, ?> body) {
        metrics.sourceRequests(config.name(), outcome).inc();
        try {
            return HttpResponse.create().withStatus(status)
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Readiness readiness() {
        String component = "source " + config.name();
        if (queue.get() == null) {
            return Readiness.notReady(component, "not started");
        }
        int waiting = pending.get();
        if (waiting >= config.maxPending()) {
            // Still ready: the clients are told to retry (503), and the other sources are not affected.
            return new Readiness(component, true, "saturated: " + waiting + " requests wait for their commit");
        }
        return Readiness.ready(component);
    }

    @Override
    public synchronized void stopIntake() {
        if (stopping) {
            return;
        }
        stopping = true;
        BoundedSourceQueue<Incoming> q = queue.get();
        if (q != null) {
            // Completing twice throws; stop() after stopIntake() must not.
            q.complete();
        }
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
