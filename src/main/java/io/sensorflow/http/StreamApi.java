package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/v1/stream}: Server-Sent Events of committed readings ({@code readings}, one event per send with the
 * newest reading of each series that changed) and alert transitions ({@code alert}, one event each, with an id that
 * {@code Last-Event-ID} resumes from). Every client has its own bounded {@link StreamClient}; a watchdog disconnects
 * the ones that fall behind on transitions or stop taking events, so no client can slow the pipeline or hold memory.
 */
final class StreamApi extends ApiResource implements AutoCloseable {

    static final String PATH = "stream";
    private static final Logger LOG = LoggerFactory.getLogger(StreamApi.class);
    /** How soon a committed transition reaches the clients that stream it. */
    private static final java.time.Duration ALERT_TICK = java.time.Duration.ofMillis(100);

    private final LiveFeed feed;
    private final HttpConfig.Stream config;
    private final Metrics metrics;
    private final Map<StreamClient, UniqueKillSwitch> clients = new ConcurrentHashMap<>();
    private volatile Rendered lastShared;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "sensorflow-stream-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    StreamApi(StoreQueries store, LiveFeed feed, HttpConfig.Stream config, Metrics metrics) {
        super(PATH, store);
        this.feed = feed;
        this.config = config;
        this.metrics = metrics;
        metrics.streamClients(clients::size);
        long every = Math.max(100, Math.min(1000, config.stallTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::disconnectTheStuck, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    Route routes() {
        return pathEnd(() -> get(() -> parameterMultiMap(params ->
                optionalHeaderValueByName("Last-Event-ID", lastId -> stream(params, lastId)))));
    }

    private Route stream(Map<String, List<String>> params, Optional<String> lastEventId) {
        StreamClient.Filter filter;
        try {
            filter = StreamClient.Filter.parse(params);
        } catch (IllegalArgumentException e) {
            return badRequest(e);
        }
        if (clients.size() >= config.maxClients()) {
            return complete(Responses.error(StatusCodes.SERVICE_UNAVAILABLE, "already " + clients.size()
                    + " live stream clients (http.stream.max-clients)").addHeader(RetryAfter.create(5L)));
        }
        Optional<EventId> resumeFrom = lastEventId.flatMap(EventId::parse).filter(id -> filter.alerts());
        Source<ServerSentEvent, NotUsed> events = Source.<ServerSentEvent, NotUsed>fromMaterializer((mat, attrs) ->
                open(filter, resumeFrom)).mapMaterializedValue(m -> NotUsed.getInstance());
        if (lastEventId.isPresent() && resumeFrom.isEmpty() && filter.alerts()) {
            // Not an id of ours: the client cannot be told what it missed, only that it should load it again.
            events = Source.single(resync("Last-Event-ID '" + lastEventId.get() + "' is not an id of this stream"))
                    .concat(events);
        }
        return completeOK(events, EventStreamMarshalling.toEventStream());
    }

    /** One client's events: subscribed before the resume query, so nothing committed in between is missed. */
    private Source<ServerSentEvent, NotUsed> open(StreamClient.Filter filter, Optional<EventId> resumeFrom) {
        StreamClient client = new StreamClient(filter, config.maxSeries(), config.maxAlerts(),
                metrics.streamSkipped("conflated"), metrics.streamSkipped("series-cap"));
        AutoCloseable subscription = feed.subscribe(client);
        Set<String> replayed = new HashSet<>();
        Source<ServerSentEvent, NotUsed> replay = resumeFrom.isEmpty() ? Source.empty()
                : Source.completionStage(queries().run(s -> resume(s, filter, resumeFrom.get(), replayed)))
                .mapConcat(list -> list);
        // Transitions go out within ALERT_TICK of their commit; readings as the feed hands over each interval.
        java.time.Duration tick = config.interval().compareTo(ALERT_TICK) < 0 ? config.interval() : ALERT_TICK;
        Source<ServerSentEvent, NotUsed> live = Source.tick(tick, tick, NotUsed.getInstance())
                .mapConcat(t -> send(client.take(), replayed))
                .mapMaterializedValue(cancellable -> NotUsed.getInstance());
        return replay.concat(live)
                .watchTermination((m, done) -> {
                    done.whenComplete((d, e) -> {
                        clients.remove(client);
                        try {
                            subscription.close();
                        } catch (Exception ignored) {
                            // Removing from a list cannot fail.
                        }
                    });
                    return m;
                })
                .viaMat(KillSwitches.single(), Keep.right())
                .mapMaterializedValue(killSwitch -> {
                    clients.put(client, killSwitch);
                    return NotUsed.getInstance();
                })
                .keepAlive(config.heartbeat(), ServerSentEvent::heartbeat);
    }

    /**
     * The transitions committed since the client's last event. Those of the same millisecond as it are sent again
     * (its id tells the time, not the place among them); clients drop repeats by id, as the dashboard does.
     */
    private List<ServerSentEvent> resume(ReadingStore s, StreamClient.Filter filter, EventId from,
                                         Set<String> replayed) {
        List<AlertEvent> missed = s.alertsEmittedSince(from.emittedAt(), config.resumeLimit() + 1);
        if (missed.size() > config.resumeLimit()) {
            // Too much to replay: the client should load the current alerts again instead.
            return List.of(resync("more than " + config.resumeLimit() + " transitions since Last-Event-ID"));
        }
        List<ServerSentEvent> events = new ArrayList<>();
        for (AlertEvent event : missed) {
            String id = EventId.of(event);
            if (filter.matches(event) && !id.equals(from.text())) {
                synchronized (replayed) {
                    replayed.add(id);
                }
                events.add(alert(event, id));
            }
        }
        return events;
    }

    private List<ServerSentEvent> send(StreamClient.Batch batch, Set<String> replayed) {
        if (batch.isEmpty()) {
            return List.of();
        }
        List<ServerSentEvent> events = new ArrayList<>(batch.alerts().size() + 1);
        if (!batch.readings().isEmpty()) {
            events.add(batch.shared() ? shared(batch.readings()) : readings(batch.readings().values()));
            metrics.streamEvents("readings").inc();
        }
        for (AlertEvent event : batch.alerts()) {
            String id = EventId.of(event);
            boolean repeat;
            synchronized (replayed) {
                repeat = !replayed.isEmpty() && replayed.contains(id);
            }
            if (!repeat) {
                events.add(alert(event, id));
            }
        }
        return events;
    }

    private ServerSentEvent resync(String reason) {
        metrics.streamEvents("resync").inc();
        return ServerSentEvent.create(json(Map.of("reason", reason)), "resync");
    }

    private ServerSentEvent alert(AlertEvent event, String id) {
        metrics.streamEvents("alert").inc();
        return ServerSentEvent.create(json(event), "alert", id);
    }

    /**
     * The event of one whole interval of the feed, rendered once for all the clients that take everything: they all
     * take the same interval within one tick of each other, so one remembered event serves them.
     */
    private ServerSentEvent shared(Map<LiveFeed.Series, Reading> interval) {
        Rendered last = lastShared;
        if (last != null && last.interval == interval) {
            return last.event;
        }
        ServerSentEvent event = readings(interval.values());
        lastShared = new Rendered(interval, event);
        return event;
    }

    /** One interval and its event; a plain class, as identity is what it compares. */
    private static final class Rendered {
        final Map<LiveFeed.Series, Reading> interval;
        final ServerSentEvent event;

        Rendered(Map<LiveFeed.Series, Reading> interval, ServerSentEvent event) {
            this.interval = interval;
            this.event = event;
        }
    }

    /** A {@code readings} event, written field by field: it is the stream's most frequent answer. */
    static ServerSentEvent readings(Collection<Reading> readings) {
        StringWriter out = new StringWriter(64 * readings.size() + 2);
        try (JsonGenerator json = Responses.JSON.getFactory().createGenerator(out)) {
            json.writeStartArray();
            for (Reading reading : readings) {
                json.writeStartObject();
                json.writeStringField("sensor", reading.sensor());
                json.writeStringField("metric", reading.metric());
                json.writeNumberField("timestamp", reading.timestamp());
                if (reading.isState()) {
                    json.writeStringField("state", reading.state());
                } else if (Double.isFinite(reading.value())) {
                    json.writeNumberField("value", reading.value());
                } else {
                    json.writeNullField("value");
                }
                if (reading.unit() != null) {
                    json.writeStringField("unit", reading.unit());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ServerSentEvent.create(out.toString(), "readings");
    }

    private static String json(Object value) {
        try {
            return Responses.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends the streams of clients that hold too many transitions or have taken nothing for too long. */
    private void disconnectTheStuck() {
        long stall = config.stallTimeout().toNanos();
        clients.forEach((client, killSwitch) -> {
            String reason = client.behind() ? "behind" : client.idleNanos() > stall ? "stalled" : null;
            if (reason != null && clients.remove(client) != null) {
                metrics.streamDisconnects(reason).inc();
                LOG.debug("live stream client disconnected: {}", reason);
                // Completes the stream; a client that reads gets its end at once and resumes with Last-Event-ID,
                // one that does not has its connection closed by the idle timeout.
                killSwitch.shutdown();
            }
        });
    }

    int clients() {
        return clients.size();
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        clients.values().forEach(UniqueKillSwitch::shutdown);
    }

    /**
     * An alert event's SSE id: its processing time first, which a resume queries from, then what makes it unique.
     */
    record EventId(long emittedAt, String text) {

        static String of(AlertEvent event) {
            return event.emittedAt() + "-" + event.timestamp() + "-"
                    + (event.repeat() ? "repeat" : event.state().label()) + "-" + event.id();
        }

        static Optional<EventId> parse(String text) {
            int dash = text.indexOf('-');
            try {
                return Optional.of(new EventId(Long.parseLong(dash < 0 ? text : text.substring(0, dash)), text));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
