package io.sensorflow.app;

import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.email.EmailActionConfig;
import io.sensorflow.action.log.LogActionConfig;
import io.sensorflow.action.mqtt.MqttActionConfig;
import io.sensorflow.action.webhook.WebhookActionConfig;
import io.sensorflow.codec.CanonicalCodec;
import io.sensorflow.codec.InfluxCodec;
import io.sensorflow.codec.JsonCodec;
import io.sensorflow.codec.NumberCodec;
import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.codec.SenmlCodec;
import io.sensorflow.codec.SparkplugCodec;
import io.sensorflow.config.ComponentType;
import io.sensorflow.config.Registry;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.type.Anomaly;
import io.sensorflow.rule.type.Combine;
import io.sensorflow.rule.type.Deadman;
import io.sensorflow.rule.type.Rate;
import io.sensorflow.rule.type.Threshold;
import io.sensorflow.rule.type.Window;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.http.HttpPollSourceConfig;
import io.sensorflow.source.http.HttpPushSourceConfig;
import io.sensorflow.source.mqtt.MqttSourceConfig;
import io.sensorflow.source.simulator.SimulatorSourceConfig;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreType;
import io.sensorflow.store.jdbc.PostgresStore;
import io.sensorflow.store.jdbc.SqliteStore;

import java.util.List;

/**
 * Every component type sensorflow has, by kind: the one list. A config selects a type by the name it is listed under
 * here, and every message names them in this order. Adding a type is its class, its config record, one line here,
 * its keys in {@code reference.conf} and docs, and tests (docs/architecture.md walks through one).
 */
public final class Components {

    /** {@code format = ...} of subscriptions and polled feeds; http-push takes those with a media type. */
    public static final Registry<PayloadFormat> FORMATS = Registry.of(PayloadFormat::name, List.of(
            JsonCodec.FORMAT,
            CanonicalCodec.FORMAT,
            SenmlCodec.JSON_FORMAT,
            SenmlCodec.CBOR_FORMAT,
            InfluxCodec.FORMAT,
            SparkplugCodec.FORMAT,
            NumberCodec.NUMBER,
            NumberCodec.BOOLEAN,
            NumberCodec.STRING));

    /** {@code sources.<name>.type}. */
    public static final Registry<ComponentType<SourceConfig>> SOURCES = Registry.of(
            new ComponentType<>("mqtt", s -> MqttSourceConfig.parse(s, FORMATS)),
            new ComponentType<>("http-poll", s -> HttpPollSourceConfig.parse(s, FORMATS)),
            new ComponentType<>("http-push", s -> HttpPushSourceConfig.parse(s, FORMATS)),
            new ComponentType<>("simulator", SimulatorSourceConfig::parse));

    /** {@code rules.<name>.type}. */
    public static final Registry<ComponentType<Derivation<?>>> RULE_TYPES = Registry.of(
            new ComponentType<>("threshold", Threshold::parse),
            new ComponentType<>("window", Window::parse),
            new ComponentType<>("rate", Rate::parse),
            new ComponentType<>("deadman", Deadman::parse),
            new ComponentType<>("anomaly", Anomaly::parse),
            new ComponentType<>("combine", Combine::parse));

    /** {@code actions.<name>.type}. */
    public static final Registry<ComponentType<ActionConfig>> ACTIONS = Registry.of(
            new ComponentType<>("mqtt", MqttActionConfig::parse),
            new ComponentType<>("log", LogActionConfig::parse),
            new ComponentType<>("webhook", WebhookActionConfig::parse),
            new ComponentType<>("email", EmailActionConfig::parse));

    /** {@code store.type}. */
    public static final Registry<StoreType> STORES = Registry.of(StoreType::name, List.of(
            SqliteStore.TYPE,
            PostgresStore.TYPE));

    private Components() {
    }

    /** Opens the store that {@code config} names, creating or migrating its schema. */
    public static ReadingStore openStore(StoreConfig config) {
        return storeType(config).open().apply(config);
    }

    /** Opens the store for reading only (exports), safely beside a daemon writing to it; writes fail. */
    public static ReadingStore openStoreReadOnly(StoreConfig config) {
        return storeType(config).openReadOnly().apply(config);
    }

    private static StoreType storeType(StoreConfig config) {
        return STORES.get(config.type()).orElseThrow(() -> new IllegalArgumentException(
                "store.type must be one of " + STORES.names() + ", got '" + config.type() + "'"));
    }
}
