package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5RxClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientReconnector;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import io.reactivex.disposables.Disposable;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.Readiness;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Subscribes to an MQTT 5 broker with a persistent session and manual acknowledgement; also the connection that
 * {@code mqtt} actions publish through.
 *
 * <p>The client reconnects by itself with jittered exponential backoff, also when the very first connect fails, and
 * its publish flow survives reconnects, so the pipeline's stream never has to be restarted for a broker outage.
 */
public final class MqttSource implements SensorSource {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSource.class);
    private static final int MAX_RECEIVE_MAXIMUM = 65_535;

    private final MqttSourceConfig config;
    private final Clock clock;
    private final Metrics metrics;
    private final Mqtt5RxClient client;
    private final AtomicReference<IntakeGate<Mqtt5Publish>> gate = new AtomicReference<>();
    private final AtomicReference<String> lastProblem = new AtomicReference<>("not connected yet");
    private volatile boolean subscribed;
    private volatile boolean stopping;
    private volatile Disposable connecting;

    MqttSource(MqttSourceConfig config, SourceContext context) {
        this.config = config;
        this.clock = context.clock();
        this.metrics = context.metrics();
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(config.clientId())
                .serverHost(config.host())
                .serverPort(config.port())
                .automaticReconnect()
                .initialDelay(config.reconnectMin().toMillis(), TimeUnit.MILLISECONDS)
                .maxDelay(config.reconnectMax().toMillis(), TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> {
                    lastProblem.set("ok");
                    LOG.info("source {}: connected to {}:{}", config.name(), config.host(), config.port());
                })
                .addDisconnectedListener(ctx -> {
                    if (stopping) {
                        ctx.getReconnector().reconnect(false);
                        return;
                    }
                    adjustWindow((Mqtt5ClientDisconnectedContext) ctx);
                    String cause = ctx.getCause() == null ? "unknown" : ctx.getCause().getMessage();
                    String previous = lastProblem.getAndSet("disconnected: " + cause);
                    // One line per outage, not one per reconnect attempt.
                    if ("ok".equals(previous) || "not connected yet".equals(previous)) {
                        LOG.warn("source {}: not connected to {}:{} ({}); retrying with backoff up to {}",
                                config.name(), config.host(), config.port(), cause, config.reconnectMax());
                    }
                })
                .buildRx();
    }

    /**
     * Mosquitto before 2.0.13 ignores our Receive Maximum when a persistent session resumes and sends every queued
     * message at once (eclipse/mosquitto#2306, the version Debian 12 ships). The client then disconnects with
     * RECEIVE_MAXIMUM_EXCEEDED, and the same would happen on every reconnect. Reconnect with the protocol's largest
     * window instead, so the backlog can drain; the next ordinary reconnect goes back to the configured window.
     */
    private void adjustWindow(Mqtt5ClientDisconnectedContext ctx) {
        Mqtt5ClientReconnector reconnector = ctx.getReconnector();
        boolean overrun = ctx.getCause() instanceof Mqtt5DisconnectException disconnect
                && disconnect.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED;
        int window = overrun ? MAX_RECEIVE_MAXIMUM : config.receiveMaximum();
        if (reconnector.getConnect().getRestrictions().getReceiveMaximum() == window) {
            return;
        }
        if (overrun) {
            LOG.warn("source {}: the broker sent more unacknowledged messages than receive-maximum = {} allows "
                    + "(Mosquitto before 2.0.13 does so when a session with a backlog resumes); reconnecting with a "
                    + "window of {} until the backlog has drained", config.name(), config.receiveMaximum(), window);
        }
        reconnector.connect(reconnector.getConnect().extend()
                .restrictions().receiveMaximum(window).applyRestrictions()
                .build());
    }

    @Override
    public String name() {
        return config.name();
    }

    /**
     * The broker's messages. The publish flow is registered with the client when this is materialized, before
     * {@code connect()} is sent: messages queued in the persistent session arrive right after CONNACK, and the client
     * acknowledges and drops any message for which no flow is registered yet.
     */
    @Override
    public Source<Incoming, NotUsed> incoming() {
        return Source.<Mqtt5Publish>asSubscriber()
                .mapMaterializedValue(subscriber -> {
                    IntakeGate<Mqtt5Publish> intake = new IntakeGate<>(subscriber);
                    if (!gate.compareAndSet(null, intake)) {
                        throw new IllegalStateException("source " + config.name() + " is already running");
                    }
                    client.publishes(MqttGlobalPublishFilter.ALL, true).subscribe(intake);
                    connect();
                    return NotUsed.getInstance();
                })
                .map(this::toIncoming);
    }

    private void connect() {
        Mqtt5ConnectBuilder.Nested<io.reactivex.Single<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>> connect =
                client.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(config.sessionExpiry().toSeconds())
                        .keepAlive((int) Math.min(65535, config.keepAlive().toSeconds()))
                        .restrictions().receiveMaximum(config.receiveMaximum()).applyRestrictions();
        if (config.username().isPresent()) {
            connect = connect.simpleAuth()
                    .username(config.username().get())
                    .password(config.password().orElse("").getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        // The first connect's Single completes on the first successful attempt; the client keeps retrying until then.
        connecting = connect.applyConnect()
                .flatMap(connAck -> client.subscribe(subscribeMessage()))
                .subscribe(
                        subAck -> {
                            subscribed = true;
                            LOG.info("source {}: subscribed to {}", config.name(),
                                    config.subscriptions().stream().map(s -> s.topic().filter()).toList());
                        },
                        error -> {
                            if (!stopping) {
                                lastProblem.set("subscribe failed: " + error.getMessage());
                                LOG.error("source {}: could not subscribe: {}", config.name(), error.toString());
                            }
                        });
    }

    private Mqtt5Subscribe subscribeMessage() {
        Mqtt5SubscribeBuilder.Start builder = Mqtt5Subscribe.builder();
        Mqtt5SubscribeBuilder.Complete complete = null;
        for (Subscription s : config.subscriptions()) {
            complete = (complete == null ? builder : complete).addSubscription()
                    .topicFilter(s.topic().filter())
                    .qos(MqttQos.fromCode(s.qos()))
                    .applySubscription();
        }
        return complete.build();
    }

    private Incoming toIncoming(Mqtt5Publish publish) {
        metrics.received(config.name()).inc();
        String topic = publish.getTopic().toString();
        byte[] payload = publish.getPayloadAsBytes();
        Acknowledgement ack = publish::acknowledge;
        for (Subscription s : config.subscriptions()) {
            Optional<TopicMatch> match = s.topic().match(topic);
            if (match.isPresent()) {
                return new Incoming(config.name(), payload, clock.millis(), s.codec(), match.get(), ack);
            }
        }
        // Possible with a persistent session that still holds an older subscription: decode fails and dead-letters it.
        return new Incoming(config.name(), payload, clock.millis(), (p, src, t, at) -> {
            throw new io.sensorflow.codec.DecodeException("unknown-topic",
                    "topic '" + t.topic() + "' matches no configured subscription");
        }, TopicMatch.none(topic), ack);
    }

    @Override
    public Readiness readiness() {
        String component = "source " + config.name();
        if (client.getState() != MqttClientState.CONNECTED) {
            return Readiness.notReady(component, "not connected to " + config.host() + ":" + config.port()
                    + " (" + lastProblem.get() + ")");
        }
        if (!subscribed) {
            return Readiness.notReady(component, "connected, not yet subscribed");
        }
        return Readiness.ready(component);
    }

    @Override
    public void stopIntake() {
        IntakeGate<Mqtt5Publish> intake = gate.get();
        if (intake != null) {
            intake.close();
        }
    }

    @Override
    public CompletionStage<Done> stop() {
        stopping = true;
        stopIntake();
        Disposable pending = connecting;
        if (pending != null) {
            pending.dispose();
        }
        CompletableFuture<Done> done = new CompletableFuture<>();
        MqttClientState state = client.getState();
        if (state.isConnected()) {
            client.disconnect().subscribe(() -> done.complete(Done.getInstance()), error -> done.complete(Done.getInstance()));
        } else {
            done.complete(Done.getInstance());
        }
        return done.whenComplete((d, e) -> {
            IntakeGate<Mqtt5Publish> intake = gate.get();
            if (intake != null) {
                intake.release();
            }
        });
    }

    /**
     * Publishes through this connection, for actions. Fails at once when not connected instead of queueing without
     * bound until the broker returns.
     */
    public CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout) {
        if (client.getState() != MqttClientState.CONNECTED) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "source " + config.name() + " is not connected to its broker"));
        }
        return client.toAsync().publishWith()
                .topic(topic)
                .qos(MqttQos.fromCode(qos))
                .retain(retain)
                .payload(payload)
                .send()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(result -> {
                    if (result.getError().isPresent()) {
                        throw new IllegalStateException(result.getError().get().getMessage(), result.getError().get());
                    }
                    return null;
                });
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
