package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3RxClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.Mqtt5RxClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import io.reactivex.Completable;
import io.reactivex.Flowable;
import io.reactivex.Single;
import io.reactivex.schedulers.Schedulers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One client of one broker, in MQTT 5 or 3.1.1: the part of the protocol version that MqttSource and the standalone
 * publisher need, so that neither knows which one it speaks.
 */
abstract class MqttLink {

    /**
     * A received message. It is the client's own object until the pipeline takes it, and its topic and payload are
     * copied out only then: against a Mosquitto before 2.0.13 up to 65,535 messages wait in the intake gate
     * (docs/architecture.md, "Mosquitto 2.0.11"), and copying each payload and topic on arrival made each of them
     * hold 606 bytes of heap instead of 513.
     */
    interface Message {
        String topic();

        byte[] payload();

        /** May throw if its connection is gone. */
        void acknowledge();
    }

    /** How to read and acknowledge one protocol version's publish; one of each per version, not per message. */
    private record Access<P>(Function<P, String> topic, Function<P, byte[]> payload, Consumer<P> acknowledge) {
    }

    private static final Access<Mqtt5Publish> V5_ACCESS = new Access<>(p -> p.getTopic().toString(),
            Mqtt5Publish::getPayloadAsBytes, Mqtt5Publish::acknowledge);
    private static final Access<Mqtt3Publish> V3_ACCESS = new Access<>(p -> p.getTopic().toString(),
            Mqtt3Publish::getPayloadAsBytes, Mqtt3Publish::acknowledge);

    private record Held<P>(P publish, Access<P> access) implements Message {
        @Override
        public String topic() {
            return access.topic().apply(publish);
        }

        @Override
        public byte[] payload() {
            return access.payload().apply(publish);
        }

        @Override
        public void acknowledge() {
            access.acknowledge().accept(publish);
        }
    }

    /**
     * @param clientId the session's id
     * @param onLost   called when the connection fails or drops other than by our own disconnect; may be null
     */
    static MqttLink create(MqttSourceConfig config, String clientId, Consumer<Throwable> onLost) {
        MqttClientBuilder builder = MqttClient.builder()
                .identifier(clientId)
                .serverHost(config.host())
                .serverPort(config.port())
                // The client hands every message from its Netty thread to an application thread; the stream
                // already decouples with its own bounded buffers, so run that stage where the data is instead.
                .executorConfig().applicationScheduler(Schedulers.trampoline()).applyExecutorConfig()
                .addDisconnectedListener(ctx -> {
                    if (onLost != null && ctx.getSource() != MqttDisconnectSource.USER) {
                        onLost.accept(ctx.getCause());
                    }
                });
        if (config.tls().isPresent()) {
            builder = builder.sslConfig(config.tls().get());
        }
        return config.version() == MqttSourceConfig.Version.V5
                ? new V5(config, builder.useMqttVersion5().buildRx())
                : new V3(config, builder.useMqttVersion3().buildRx());
    }

    protected final MqttSourceConfig config;

    private MqttLink(MqttSourceConfig config) {
        this.config = config;
    }

    /** Every message, acknowledged only by {@link Message#acknowledge}; must be subscribed before {@link #connect}. */
    abstract Flowable<Message> publishes();

    /**
     * Connects with a persistent session ({@code clean} false) or a fresh one.
     *
     * @return whether the broker had our session
     */
    /**
     * The keep-alive sent to the broker: three quarters of the configured one, in whole seconds, at least one. The
     * client pings after that long without traffic and gives the link up when the next ping would be due without an
     * answer, so a half-open link is found within twice the announced value: 1.5 times the configured keep-alive.
     */
    static int announcedKeepAlive(MqttSourceConfig config) {
        return (int) Math.max(1, config.keepAlive().toSeconds() * 3 / 4);
    }

    abstract Single<Boolean> connect(boolean clean, int receiveMaximum);

    /** Subscribes to every subscription of the source; the result has one reason code per subscription. */
    abstract Single<List<Integer>> subscribe();

    /**
     * Connects with a fresh session, reads the retained message on {@code topic}, and disconnects; for a look at what
     * the broker says of itself before the real connection. A broker sends retained messages right after it grants
     * the subscription, so one that has none is not waited for long: the answer is then empty. Fails only when the
     * connection does.
     */
    final Single<String> readRetained(String topic, Duration connectTimeout) {
        return connect(true, 10)
                .timeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .flatMap(present -> firstMessage(topic).timeout(300, TimeUnit.MILLISECONDS).onErrorReturnItem(""))
                .doFinally(() -> disconnect().onErrorComplete().subscribe());
    }

    /** The payload of the first message on {@code topic}, subscribed at QoS 0. */
    abstract Single<String> firstMessage(String topic);

    abstract MqttClientState state();

    abstract Completable disconnect();

    /** Leaves every subscription of the source; completes on the broker's UNSUBACK. */
    abstract Completable unsubscribe();

    /** The filters subscribed with, for an unsubscribe. */
    protected List<MqttTopicFilter> filters() {
        return config.subscriptions().stream().map(s -> MqttTopicFilter.of(filter(s))).toList();
    }

    /** Completes when the broker has the message (QoS 1/2) or it is sent (QoS 0); fails, never hangs, otherwise. */
    abstract CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                           java.util.Map<String, String> properties);

    /** The filter to subscribe with: {@code $share/<group>/<filter>} for a shared subscription. */
    protected String filter(Subscription s) {
        return config.shareGroup().map(group -> "$share/" + group + "/" + s.topic().filter())
                .orElse(s.topic().filter());
    }

    private static final class V5 extends MqttLink {
        private final Mqtt5RxClient client;

        V5(MqttSourceConfig config, Mqtt5RxClient client) {
            super(config);
            this.client = client;
        }

        @Override
        Flowable<Message> publishes() {
            return client.publishes(MqttGlobalPublishFilter.ALL, true)
                    .map(p -> new Held<>(p, V5_ACCESS));
        }

        @Override
        Single<Boolean> connect(boolean clean, int receiveMaximum) {
            Mqtt5ConnectBuilder.Nested<Single<Mqtt5ConnAck>> connect = client.connectWith()
                    .cleanStart(clean)
                    .sessionExpiryInterval(clean ? 0 : config.sessionExpiry().toSeconds())
                    .keepAlive(announcedKeepAlive(config))
                    .restrictions().receiveMaximum(receiveMaximum).applyRestrictions();
            if (config.username().isPresent()) {
                connect = connect.simpleAuth()
                        .username(config.username().get())
                        .password(config.password().orElse("").getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth();
            }
            return connect.applyConnect().map(Mqtt5ConnAck::isSessionPresent);
        }

        @Override
        Single<List<Integer>> subscribe() {
            Mqtt5SubscribeBuilder.Start builder = Mqtt5Subscribe.builder();
            Mqtt5SubscribeBuilder.Complete complete = null;
            for (Subscription s : config.subscriptions()) {
                complete = (complete == null ? builder : complete).addSubscription()
                        .topicFilter(filter(s))
                        .qos(MqttQos.fromCode(s.qos()))
                        // Every connection subscribes again; retained messages only for a subscription that is
                        // new, or each reconnect would replay them as fresh readings.
                        .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
                        .applySubscription();
            }
            return client.subscribe(complete.build())
                    .map(subAck -> subAck.getReasonCodes().stream().map(code -> code.getCode()).toList());
        }

        @Override
        Single<String> firstMessage(String topic) {
            return client.subscribePublishesWith().topicFilter(topic).qos(MqttQos.AT_MOST_ONCE).applySubscribe()
                    .firstOrError().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }

        @Override
        MqttClientState state() {
            return client.getState();
        }

        @Override
        Completable disconnect() {
            return client.disconnect();
        }

        @Override
        Completable unsubscribe() {
            return client.unsubscribe(Mqtt5Unsubscribe.builder().addTopicFilters(filters()).build()).ignoreElement();
        }

        @Override
        CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                      java.util.Map<String, String> properties) {
            return MqttPublisher.publish(client.toAsync(), topic, payload, qos, retain, timeout, properties);
        }
    }

    /**
     * MQTT 3.1.1: no session expiry (the broker keeps a persistent session as long as it is configured to), no
     * receive maximum (the broker's own in-flight limit applies; our intake gate still bounds what waits for its
     * commit), and retained messages again on every subscribe.
     */
    private static final class V3 extends MqttLink {
        private final Mqtt3RxClient client;

        V3(MqttSourceConfig config, Mqtt3RxClient client) {
            super(config);
            this.client = client;
        }

        @Override
        Flowable<Message> publishes() {
            return client.publishes(MqttGlobalPublishFilter.ALL, true)
                    .map(p -> new Held<>(p, V3_ACCESS));
        }

        @Override
        Single<Boolean> connect(boolean clean, int receiveMaximum) {
            Mqtt3ConnectBuilder.Nested<Single<Mqtt3ConnAck>> connect = client.connectWith()
                    .cleanSession(clean)
                    .keepAlive(announcedKeepAlive(config));
            if (config.username().isPresent()) {
                connect = connect.simpleAuth()
                        .username(config.username().get())
                        .password(config.password().orElse("").getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth();
            }
            return connect.applyConnect().map(Mqtt3ConnAck::isSessionPresent);
        }

        @Override
        Single<List<Integer>> subscribe() {
            Mqtt3SubscribeBuilder.Start builder = Mqtt3Subscribe.builder();
            Mqtt3SubscribeBuilder.Complete complete = null;
            for (Subscription s : config.subscriptions()) {
                complete = (complete == null ? builder : complete).addSubscription()
                        .topicFilter(filter(s))
                        .qos(MqttQos.fromCode(s.qos()))
                        .applySubscription();
            }
            return client.subscribe(complete.build())
                    .map(subAck -> subAck.getReturnCodes().stream().map(code -> code.getCode()).toList());
        }

        @Override
        Single<String> firstMessage(String topic) {
            return client.subscribePublishesWith().topicFilter(topic).qos(MqttQos.AT_MOST_ONCE).applySubscribe()
                    .firstOrError().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }

        @Override
        MqttClientState state() {
            return client.getState();
        }

        @Override
        Completable disconnect() {
            return client.disconnect();
        }

        @Override
        Completable unsubscribe() {
            return client.unsubscribe(Mqtt3Unsubscribe.builder().addTopicFilters(filters()).build());
        }

        @Override
        CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain, Duration timeout,
                                      java.util.Map<String, String> properties) {
            // MQTT 3.1.1 has no properties: the message goes without them.
            return client.toAsync().publishWith().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain)
                    .payload(payload).send()
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(published -> null);
        }
    }
}
