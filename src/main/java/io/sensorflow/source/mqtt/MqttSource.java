package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.reactivex.Single;
import io.sensorflow.codec.DecodeException;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.config.Durations;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Subscribes to an MQTT 5 or 3.1.1 broker with a persistent session and manual acknowledgement, optionally over TLS
 * and as a member of a shared subscription group; also the connection that {@code mqtt} actions publish through.
 *
 * <p>Every connection gets a client of its own, and a lost connection ends that client's stream so that
 * {@code RestartSource.withBackoff} starts a new one after a jittered, growing delay. Reusing one client across
 * reconnects is not safe with manual acknowledgement: messages of the lost connection stay in the client's receive
 * window until the pipeline has acked them, while the broker redelivers them on the new connection, so the client
 * counts both and reports a receive-maximum overrun even against a correct broker (hivemq-mqtt-client#796). The
 * broker's session keeps whatever was not acknowledged, and the store is idempotent, so a redelivery costs nothing.
 */
public final class MqttSource implements SensorSource, MqttPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSource.class);
    private static final int MAX_RECEIVE_MAXIMUM = 65_535;
    private static final Duration STOP_WAIT = Duration.ofSeconds(3);
    private static final Duration PROBE_WAIT = Duration.ofSeconds(2);
    /** How long no message comes, after leaving a shared subscription, before what the broker held counts as taken. */
    private static final Duration HAND_OVER_QUIET = Duration.ofMillis(500);

    private final MqttSourceConfig config;
    private final Clock clock;
    private final Metrics metrics;
    private final SharedKillSwitch intake;
    private final AtomicReference<Connection> current = new AtomicReference<>();
    private final AtomicReference<String> lastProblem = new AtomicReference<>("not connected yet");
    private volatile boolean stopping;
    /** Left the shared subscriptions for a stop: a reconnect before it does not join them again. */
    private volatile boolean handedOver;
    private volatile boolean windowWidened;
    /** Whether the broker has told us its version ({@link #probeBroker}). */
    private volatile boolean probed;
    private volatile boolean everConnected;
    /** Set when a connection is dropped on purpose: the next one starts without a backoff. */
    private volatile boolean reconnectAtOnce;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    /** When the current connection got its CONNACK, 0 while there is none. */
    private volatile long connectedAt;
    /** When the last connection was lost, 0 while connected: the start of what a lost session may have cost. */
    private volatile long lostAt;
    private final org.apache.pekko.actor.Scheduler scheduler;
    private final scala.concurrent.ExecutionContext dispatcher;

    MqttSource(MqttSourceConfig config, SourceContext context) {
        this.config = config;
        this.clock = context.clock();
        this.metrics = context.metrics();
        this.scheduler = context.system().scheduler();
        this.dispatcher = context.system().dispatcher();
        this.intake = KillSwitches.shared("mqtt-" + config.name());
        for (Subscription s : config.subscriptions()) {
            // Sparkplug rebirth requests (NCMD) go out at QoS 0, as the specification has them.
            s.codec().commandsVia((topic, payload) -> publish(topic, payload, 0, false, Duration.ofSeconds(5))
                    .whenComplete((ok, error) -> {
                        if (error != null) {
                            LOG.warn("source {}: could not publish the command on {}: {}", config.name(), topic,
                                    error.getMessage());
                        }
                    }));
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Source<Incoming, NotUsed> incoming() {
        // The backoff between connections is ours (see nextDelayMillis): Pekko's resets only once a stream has run
        // for min-backoff since it started, so a connection that was up at once and then dropped on purpose (to widen
        // the window) waited out a backoff that had grown during the outage before it. Pekko's here is a floor.
        RestartSettings restart = RestartSettings.create(Duration.ofMillis(10), Duration.ofMillis(10), 0)
                // We log connection problems ourselves, once per outage.
                .withLogSettings(RestartSettings.createLogSettings(Logging.DebugLevel()));
        return RestartSource.withBackoff(restart, this::connection)
                .via(intake.flow())
                .map(this::toIncoming);
    }

    /**
     * One connection's messages. The publish flow is registered with the new client when this is materialized and
     * before {@code connect()} is sent: messages queued in the persistent session arrive right after CONNACK, and the
     * client acknowledges and drops any message for which no flow is registered yet.
     */
    private Source<Delivered, NotUsed> connection() {
        AtomicReference<IntakeGate<MqttLink.Message>> gate = new AtomicReference<>();
        return Source.<MqttLink.Message>asSubscriber().mapMaterializedValue(subscriber -> {
            // The gate takes all the window allows: once a broker has overrun receive-maximum and the window is
            // widened, the broker sends that much anyway, and what the gate does not take the client holds and
            // walks on every message (IntakeGate).
            gate.set(new IntakeGate<>(subscriber, windowWidened ? MAX_RECEIVE_MAXIMUM : config.receiveMaximum()));
            Connection connection = new Connection(gate.get());
            Connection previous = current.getAndSet(connection);
            if (previous != null) {
                previous.cancelIfWaiting();
                previous.disconnectThenRelease();
            }
            if (stopping) {
                connection.attempt.complete(false);
                connection.gate.close();
                return NotUsed.getInstance();
            }
            connection.link.publishes().subscribe(connection.gate);
            long delay = nextDelayMillis();
            if (delay == 0) {
                connection.start();
            } else {
                scheduler.scheduleOnce(Duration.ofMillis(delay), connection::start, dispatcher);
            }
            return NotUsed.getInstance();
        }).map(publish -> new Delivered(publish, gate.get()));
    }

    /**
     * The wait before the next connection: none for the first, or after a connection dropped on purpose; after
     * failures, min-backoff doubling up to max-backoff, each wait between three quarters and all of that (jitter
     * that never waits past the cap). A connection that stayed up for min-backoff starts the count again.
     */
    private long nextDelayMillis() {
        if (reconnectAtOnce) {
            reconnectAtOnce = false;
            return 0;
        }
        int failures = failuresInARow.get();
        if (failures == 0) {
            return 0;
        }
        double full = config.reconnectMin().toMillis() * Math.pow(2, Math.min(failures - 1, 30));
        double capped = Math.min(full, config.reconnectMax().toMillis());
        return (long) (capped * (0.75 + java.util.concurrent.ThreadLocalRandom.current().nextDouble() * 0.25));
    }

    /** A message and the gate of the connection it came on, which its acknowledgement must reach. */
    private record Delivered(MqttLink.Message publish, IntakeGate<MqttLink.Message> gate) {
    }

    /** One client, its publish flow and what we know about it. */
    private final class Connection {
        final IntakeGate<MqttLink.Message> gate;
        final MqttLink link;
        /** Completes with true once CONNACK arrived, with false if the attempt failed or never started. */
        final CompletableFuture<Boolean> attempt = new CompletableFuture<>();
        private final AtomicBoolean released = new AtomicBoolean();
        volatile boolean subscribed;
        private boolean started;

        Connection(IntakeGate<MqttLink.Message> gate) {
            this.gate = gate;
            this.link = MqttLink.create(config, config.clientId(), this::lost);
        }

        /** Connects, unless the source stopped while this connection waited for its backoff. */
        synchronized void start() {
            if (started) {
                return;
            }
            started = true;
            if (stopping) {
                attempt.complete(false);
                gate.close();
                return;
            }
            connect();
        }

        /** For a stop: a connection still waiting for its backoff never starts. */
        synchronized void cancelIfWaiting() {
            if (!started) {
                started = true;
                attempt.complete(false);
                gate.close();
            }
        }

        private void connect() {
            probeBroker()
                    .flatMap(answered -> {
                        if (windowWidened) {
                            gate.widen(MAX_RECEIVE_MAXIMUM);
                        }
                        return link.connect(false, windowWidened ? MAX_RECEIVE_MAXIMUM : config.receiveMaximum());
                    })
                    .doOnSuccess(sessionPresent -> {
                        attempt.complete(true);
                        if (!sessionPresent && everConnected) {
                            sessionLost();
                        }
                        everConnected = true;
                        connectedAt = clock.millis();
                        lostAt = 0;
                        lastProblem.set("ok");
                        LOG.info("source {}: connected to {}:{} with MQTT {}{} (session {})", config.name(),
                                config.host(), config.port(), config.version().label(),
                                config.tls().isPresent() ? " over TLS" : "", sessionPresent ? "resumed" : "new");
                        if (stopping) {
                            // stop() came while we were connecting: it is waiting for this attempt to settle.
                            disconnectThenRelease();
                        }
                    })
                    .doOnError(error -> attempt.complete(false))
                    .flatMap(sessionPresent -> handedOver ? Single.just(List.<Integer>of()) : link.subscribe())
                    .subscribe(this::checkSubAck, this::lost);
        }

        /**
         * A broker may grant a subscription only in part: refuse a filter (an ACL) or grant a lower QoS. Either
         * breaks what the operator asked for, so it is reported, not papered over.
         */
        private void checkSubAck(List<Integer> codes) {
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < codes.size() && i < config.subscriptions().size(); i++) {
                Subscription s = config.subscriptions().get(i);
                int code = codes.get(i);
                if (code >= 0x80) {
                    refused.add(s.topic().filter() + " (reason code 0x" + Integer.toHexString(code) + ")");
                } else if (code < s.qos()) {
                    LOG.warn("source {}: the broker granted QoS {} instead of {} for '{}'; messages on it are not "
                            + "acknowledged after they are stored", config.name(), code, s.qos(), s.topic().filter());
                }
            }
            if (refused.isEmpty()) {
                subscribed = true;
                return;
            }
            String problem = "the broker refused the subscription to " + String.join(", ", refused);
            lastProblem.set(problem);
            LOG.error("source {}: {}; check the broker's access rules", config.name(), problem);
        }

        /** The connection failed or dropped: end this stream so that a new client takes over after a backoff. */
        void lost(Throwable cause) {
            attempt.complete(false);
            if (stopping) {
                return;
            }
            long now = clock.millis();
            long up = connectedAt == 0 ? 0 : now - connectedAt;
            if (up >= config.reconnectMin().toMillis()) {
                failuresInARow.set(0);
            }
            failuresInARow.incrementAndGet();
            if (connectedAt != 0) {
                lostAt = now;
                connectedAt = 0;
            }
            noteProblem(cause);
            gate.fail(new MqttConnectionLost(config.name(), cause));
            disconnectThenRelease();
        }

        /**
         * Releases the client's publish flow, but only once the client can no longer receive: after DISCONNECT,
         * or once the connect attempt has failed. Releasing earlier would let the client ack messages no flow wants.
         */
        CompletionStage<Void> disconnectThenRelease() {
            if (!attempt.isDone()) {
                return attempt.thenCompose(connected -> disconnectThenRelease());
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    gate.release();
                }
                done.complete(null);
            };
            if (link.state().isConnected()) {
                link.disconnect().onErrorComplete().doFinally(release::run).subscribe();
            } else {
                release.run();
            }
            return done;
        }
    }

    /**
     * Before the first connection of an MQTT 5 source: a broker that overruns the window (Mosquitto before 2.0.13,
     * see {@link BrokerVersion}) gets the protocol's largest window from the start. Found only after the overrun,
     * that cost a disconnect and a redelivery of everything in flight (hundreds of duplicates and failed actions
     * in every benchmark run). A broker that does not say (no {@code $SYS}, or an ACL) keeps the configured window,
     * and the overrun, should it come, is handled as before ({@link #noteProblem}). Asked again only when the probe
     * could not connect.
     */
    private Single<Boolean> probeBroker() {
        if (probed || windowWidened || config.version() != MqttSourceConfig.Version.V5
                || config.receiveMaximum() >= MAX_RECEIVE_MAXIMUM) {
            return Single.just(false);
        }
        MqttLink probe = MqttLink.create(config, config.clientId() + "-probe", null);
        return probe.readRetained(BrokerVersion.TOPIC, PROBE_WAIT)
                .map(version -> {
                    probed = true;
                    if (BrokerVersion.overrunsWindow(version) && !windowWidened) {
                        windowWidened = true;
                        LOG.info("source {}: the broker is {}, which sends more than receive-maximum = {} once "
                                + "messages queue (eclipse/mosquitto#2306); using a window of {}. Upgrade the "
                                + "broker to 2.0.13 or later for flow control at the configured window",
                                config.name(), version, config.receiveMaximum(), MAX_RECEIVE_MAXIMUM);
                    }
                    return true;
                })
                .onErrorReturn(error -> {
                    // The broker is away (the real connection will say so) or refused the probe's session.
                    LOG.debug("source {}: could not ask the broker its version: {}", config.name(), error.toString());
                    return false;
                });
    }

    private void noteProblem(Throwable cause) {
        if (cause instanceof Mqtt5DisconnectException disconnect
                && disconnect.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED
                && !windowWidened) {
            // Mosquitto before 2.0.13 (Debian 12 and Ubuntu 22.04 ship 2.0.11) loses count of in-flight messages once
            // any have queued behind a full window and then sends more than our Receive Maximum
            // (eclipse/mosquitto#2306). The protocol's largest window keeps such a broker within bounds unless more
            // than 65535 messages are in flight.
            windowWidened = true;
            reconnectAtOnce = true;
            LOG.warn("source {}: the broker sent more unacknowledged messages than receive-maximum = {} allows "
                    + "(Mosquitto before 2.0.13 does, eclipse/mosquitto#2306); using a window of {} from now on. "
                    + "Upgrade the broker to restore flow control at the configured window", config.name(),
                    config.receiveMaximum(), MAX_RECEIVE_MAXIMUM);
        }
        String problem = rootMessage(cause);
        String previous = lastProblem.getAndSet(problem);
        // One line per outage, not one per reconnect attempt.
        if ("ok".equals(previous) || (!everConnected && "not connected yet".equals(previous))) {
            LOG.warn("source {}: not connected to {}:{} ({}); retrying with backoff up to {}", config.name(),
                    config.host(), config.port(), problem, Durations.format(config.reconnectMax()));
        }
    }

    /**
     * The broker answered a reconnect with {@code session present = 0}: it kept no session (it restarted without
     * persistence, could not write its database, or the session expired). What it held for us, and what was published
     * while we were away, is gone, and only the broker knew. This is the one place an operator can learn of it.
     */
    private void sessionLost() {
        metrics.sessionsLost(config.name()).inc();
        long since = lostAt;
        LOG.error("source {}: the broker {}:{} kept no session for client {}: QoS 1 and 2 messages it held for this "
                + "daemon, and those published to it while the daemon was away{}, are lost. Check the broker's "
                + "persistence (its log says \"Error saving in-memory database\" when it cannot write it) and its "
                + "session expiry", config.name(), config.host(), config.port(), config.clientId(),
                since == 0 ? "" : " (from " + java.time.Instant.ofEpochMilli(since) + " to "
                        + java.time.Instant.ofEpochMilli(clock.millis()) + ")");
    }

    private static String rootMessage(Throwable error) {
        if (error == null) {
            return "unknown cause";
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private Incoming toIncoming(Delivered delivered) {
        MqttLink.Message publish = delivered.publish();
        metrics.received(config.name()).inc();
        String topic = publish.topic();
        byte[] payload = publish.payload();
        Acknowledgement ack = () -> {
            acknowledge(publish);
            delivered.gate().acknowledged();
        };
        for (Subscription s : config.subscriptions()) {
            Optional<TopicMatch> match = s.topic().match(topic);
            if (match.isPresent()) {
                return new Incoming(config.name(), payload, clock.millis(), s.codec(), match.get(), ack);
            }
        }
        // Possible with a persistent session that still holds an older subscription: decode fails and dead-letters it.
        return new Incoming(config.name(), payload, clock.millis(), (p, src, t, at) -> {
            throw new DecodeException("unknown-topic", "topic '" + t.topic() + "' matches no configured subscription");
        }, TopicMatch.none(topic), ack);
    }

    /**
     * A message of a connection that is already gone cannot be acknowledged (its client's event loop has shut
     * down); the broker redelivers it on the current connection, and the store ignores the duplicate.
     */
    private static void acknowledge(MqttLink.Message publish) {
        try {
            publish.acknowledge();
        } catch (RejectedExecutionException connectionGone) {
            LOG.debug("ack of a message from a closed connection skipped; the broker redelivers it");
        }
    }

    @Override
    public Readiness readiness() {
        String component = "source " + config.name();
        Connection connection = current.get();
        if (connection == null || connection.link.state() != MqttClientState.CONNECTED) {
            return Readiness.notReady(component, "not connected to " + config.host() + ":" + config.port()
                    + " (" + lastProblem.get() + ")");
        }
        if (!connection.subscribed) {
            return Readiness.notReady(component, "connected, not yet subscribed");
        }
        return Readiness.ready(component);
    }

    /**
     * Leaves the shared subscriptions and takes in what the broker had already sent or queued for this session, until
     * all of it is acknowledged and nothing came for a moment, or {@code atMost} has passed. The broker gives this
     * node's share to the group's other members from the UNSUBACK on; a session that stayed subscribed would keep
     * its share of new messages while the node is away (Mosquitto 2.0 does), for good if it does not come back.
     * Sources without a share group keep their subscription: their session queues for them while they are away.
     */
    @Override
    public CompletionStage<Done> handOver(Duration atMost) {
        Connection connection = current.get();
        if (config.shareGroup().isEmpty() || connection == null
                || connection.link.state() != MqttClientState.CONNECTED) {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        handedOver = true;
        CompletableFuture<Done> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + atMost.toNanos();
        connection.link.unsubscribe().subscribe(() -> awaitSettled(connection, deadline, done), error -> {
            LOG.warn("source {}: could not leave the shared subscription group {} before stopping ({}); the broker "
                    + "may keep this session's share until it returns", config.name(), config.shareGroup().get(),
                    error.toString());
            done.complete(Done.getInstance());
        });
        return done;
    }

    private void awaitSettled(Connection connection, long deadline, CompletableFuture<Done> done) {
        boolean settled = connection.gate.settled(HAND_OVER_QUIET.toNanos());
        if (settled || System.nanoTime() >= deadline) {
            if (settled) {
                LOG.info("source {}: left the shared subscription group {}; what the broker had sent is taken in",
                        config.name(), config.shareGroup().get());
            } else {
                LOG.warn("source {}: left the shared subscription group {}, but messages kept coming until the stop "
                        + "went on; the broker keeps the rest in this session for its return", config.name(),
                        config.shareGroup().get());
            }
            done.complete(Done.getInstance());
            return;
        }
        scheduler.scheduleOnce(Duration.ofMillis(100), () -> awaitSettled(connection, deadline, done), dispatcher);
    }

    /**
     * Stops delivery to the pipeline. The cancel this sends upstream stops at the {@link IntakeGate}, so the client's
     * flow stays registered (and later messages unacknowledged) until {@link #stop()} has disconnected.
     */
    @Override
    public void stopIntake() {
        stopping = true;
        intake.shutdown();
    }

    /**
     * Disconnects after intake has drained. A connect still in progress is waited for (bounded): releasing its flow
     * before CONNACK would let the client acknowledge the session's backlog with no flow to take it.
     */
    @Override
    public CompletionStage<Done> stop() {
        stopIntake();
        Connection connection = current.get();
        if (connection == null) {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        connection.cancelIfWaiting();
        return connection.disconnectThenRelease().toCompletableFuture()
                // If CONNACK is still outstanding then, the connect callback disconnects when it lands.
                .completeOnTimeout(null, STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(v -> Done.getInstance());
    }

    /**
     * Publishes through the current connection, for actions. Fails at once when not connected instead of queueing
     * without bound until the broker returns.
     */
    @Override
    public CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                         java.util.Map<String, String> properties) {
        Connection connection = current.get();
        if (connection == null || connection.link.state() != MqttClientState.CONNECTED) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "source " + config.name() + " is not connected to its broker"));
        }
        return connection.link.publish(topic, payload, qos, retain, timeout, properties);
    }

    @Override
    public String toString() {
        return config.toString();
    }

    /** Ends one connection's stream; RestartSource then starts the next connection. */
    static final class MqttConnectionLost extends RuntimeException {
        MqttConnectionLost(String source, Throwable cause) {
            super("source " + source + ": connection lost", cause, false, false);
        }
    }
}
