package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.sensorflow.app.Daemon;
import io.sensorflow.config.ConfigException;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The mqtt source against a real Mosquitto: TLS with a client certificate, MQTT 3.1.1 at QoS 2, shared subscriptions. */
class MqttSourcesIT {

    private static final MosquittoBroker BROKER = new MosquittoBroker().withTls();
    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker(BROKER);

    private static String reading(int value, long ts) {
        return "{\"value\": " + value + ", \"ts\": " + ts + "}";
    }

    /** A second source named {@code extra}, beside the test config's plain one. */
    private static TestConfig withSource(TestConfig config, String source) {
        return config.with("sources { extra { " + source + " } }");
    }

    @Test
    void readsOverTlsWithAClientCertificateAndTheBrokerRefusesAClientWithout(TestConfig config) throws Exception {
        Path db = config.named("tls").db();
        String tls = "tls { ca = \"%s\", cert = \"%s\", key = \"%s\" }".formatted(BROKER.tlsFile("ca.pem"),
                BROKER.tlsFile("client.pem"), BROKER.tlsFile("client.key"));
        Daemon first = DAEMONS.start(withSource(config.named("tls"), "type = mqtt, url = \""
                + BROKER.tlsUrl() + "\", client-id = tls-extra, " + tls
                + ", subscriptions = [ { topic = \"secure/{sensor}/{metric}\", timestamp = \"/ts\" } ]"));
        assertThat(Http.get(first.httpPort(), "/health/ready").body()).contains("\"component\":\"source extra\"");
        long ts = System.currentTimeMillis();
        try (TestMqttClient client = new TestMqttClient(BROKER)) {
            client.publish("secure/vault-1/temperature", reading(19, ts));
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Sql.count(db, "SELECT count(*) FROM series WHERE sensor = 'vault-1'") == 1);

        // Trusting the CA but showing no certificate: the broker (require_certificate) closes the connection.
        Daemon second = DAEMONS.launch(withSource(config.named("no-cert"), "type = mqtt, url = \"" + BROKER.tlsUrl()
                + "\", client-id = no-cert-extra, tls { ca = \"" + BROKER.tlsFile("ca.pem")
                + "\" }, subscriptions = [ { topic = \"secure/{sensor}/{metric}\" } ]").parse());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Http.get(second.httpPort(), "/health/ready").body().contains("not connected to 127.0.0.1"));
        assertThat(Http.get(second.httpPort(), "/health/ready").status()).isEqualTo(503);
    }

    @Test
    void tlsFileProblemsAreConfigErrorsThatSayWhatToDo() {
        Path dir = DAEMONS.dir();
        String pkcs1 = "sensorflow { sources { s { type = mqtt, url = \"%s\", tls { ca = \"%s\", cert = \"%s\", key = \"%s\" }, "
                + "subscriptions = [ { topic = \"a/{sensor}/{metric}\" } ] } } }";
        assertThatThrownBy(() -> parse(pkcs1.formatted(BROKER.tlsUrl(), BROKER.tlsFile("ca.pem"),
                BROKER.tlsFile("client.pem"), BROKER.tlsFile("client.rsa.key"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.s.tls.key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> parse(pkcs1.formatted(BROKER.tlsUrl(), dir.resolve("missing.pem"),
                BROKER.tlsFile("client.pem"), BROKER.tlsFile("client.key"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.s.tls.ca")
                .hasMessageContaining("cannot read");
        assertThatThrownBy(() -> parse(pkcs1.formatted(BROKER.url(), BROKER.tlsFile("ca.pem"),
                BROKER.tlsFile("client.pem"), BROKER.tlsFile("client.key"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not ssl://");
    }

    @Test
    void speaksMqtt311AtQos2AndKeepsItsSessionWhileAway(TestConfig test) throws Exception {
        Path db = test.named("v3").db();
        TestConfig config = withSource(test.named("v3"), "type = mqtt, url = \"" + BROKER.url() + "\", version = \"3.1.1\", "
                + "client-id = v3-extra, subscriptions = [ { topic = \"legacy/{sensor}/{metric}\", qos = 2, "
                + "format = number } ]");
        Daemon first = DAEMONS.start(config);
        Mqtt3BlockingClient publisher = MqttClient.builder().useMqttVersion3().identifier("v3-publisher")
                .serverHost(BROKER.host()).serverPort(BROKER.port()).buildBlocking();
        publisher.connect();
        try {
            for (int i = 0; i < 20; i++) {
                publisher.publishWith().topic("legacy/plc-" + i + "/level").qos(MqttQos.EXACTLY_ONCE)
                        .payload(Integer.toString(i).getBytes(StandardCharsets.UTF_8)).send();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == 20);
            DAEMONS.stop(first);
            // Published while the daemon is away: the 3.1.1 persistent session (clean session off) keeps them.
            for (int i = 20; i < 30; i++) {
                publisher.publishWith().topic("legacy/plc-" + i + "/level").qos(MqttQos.EXACTLY_ONCE)
                        .payload(Integer.toString(i).getBytes(StandardCharsets.UTF_8)).send();
            }
            DAEMONS.start(config);
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == 30);
        } finally {
            publisher.disconnect();
        }
    }

    @Test
    void daemonsInOneShareGroupSplitTheMessagesAndTogetherStoreEachOnce(TestConfig config) throws Exception {
        Path dbA = config.named("share-a").db();
        Path dbB = config.named("share-b").db();
        String source = "type = mqtt, url = \"" + BROKER.url() + "\", share-group = plant-readers, "
                + "subscriptions = [ { topic = \"shared/{sensor}/{metric}\", timestamp = \"/ts\" } ], client-id = ";
        DAEMONS.start(withSource(config.named("share-a"), source + "reader-a"));
        DAEMONS.start(withSource(config.named("share-b"), source + "reader-b"));
        long ts = System.currentTimeMillis();
        int total = 400;
        try (TestMqttClient client = new TestMqttClient(BROKER)) {
            for (int i = 0; i < total; i++) {
                client.publish("shared/s-" + (i % 40) + "/temperature", reading(i, ts + i));
            }
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> Sql.count(dbA, "SELECT count(*) FROM readings_all")
                + Sql.count(dbB, "SELECT count(*) FROM readings_all") == total);
        assertThat(Sql.count(dbA, "SELECT count(*) FROM readings_all")).as("both members get a share")
                .isBetween(1L, total - 1L);
        // Nothing arrives late at either member: each message went to one of them only.
        await("and no message twice").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> Sql.count(dbA, "SELECT count(*) FROM readings_all")
                        + Sql.count(dbB, "SELECT count(*) FROM readings_all") == total);
    }

    @Test
    void readsSparkplugBirthsDataAndDeathsAndAsksForARebirthOnAnUnknownAlias(TestConfig config) throws Exception {
        Path db = config.named("spb").db();
        DAEMONS.start(withSource(config.named("spb"), "type = mqtt, url = \"" + BROKER.url()
                + "\", client-id = spb-extra, subscriptions = [ { topic = \"spBv1.0/#\", format = sparkplug } ]"));
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient edge = MqttClient.builder().useMqttVersion5()
                .identifier("edge-1").serverHost(BROKER.host()).serverPort(BROKER.port()).buildBlocking();
        edge.connect();
        java.util.concurrent.BlockingQueue<String> commands = new java.util.concurrent.LinkedBlockingQueue<>();
        com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient listener = MqttClient.builder().useMqttVersion5()
                .identifier("edge-1-commands").serverHost(BROKER.host()).serverPort(BROKER.port()).buildAsync();
        listener.connect().get();
        listener.subscribeWith().topicFilter("spBv1.0/+/NCMD/+").callback(p -> {
            try {
                commands.add(p.getTopic() + " " + org.eclipse.tahu.protobuf.SparkplugBProto.Payload
                        .parseFrom(p.getPayloadAsBytes()).getMetrics(0).getName());
            } catch (Exception e) {
                commands.add("unreadable: " + e);
            }
        }).send().get();
        long now = System.currentTimeMillis();
        try {
            edge.publishWith().topic("spBv1.0/plant/NBIRTH/edge-1").qos(MqttQos.AT_LEAST_ONCE).payload(sparkplug(now, 0,
                    "bdSeq", 0, 4, 1L, "Uptime", 1, 4, 5L)).send();
            edge.publishWith().topic("spBv1.0/plant/DBIRTH/edge-1/boiler").qos(MqttQos.AT_LEAST_ONCE).payload(
                    sparkplug(now, 1, "Inputs/Temperature", 10, 10, 71.5)).send();
            // By alias only, as edge nodes do after their birth; alias 99 was never born.
            edge.publishWith().topic("spBv1.0/plant/DDATA/edge-1/boiler").qos(MqttQos.AT_LEAST_ONCE).payload(
                    sparkplug(now + 1000, 2, null, 10, 10, 72.0, null, 99, 10, 1.0)).send();
            assertThat(commands.poll(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo("spBv1.0/plant/NCMD/edge-1 Node Control/Rebirth");
            edge.publishWith().topic("spBv1.0/plant/NDEATH/edge-1").qos(MqttQos.AT_LEAST_ONCE).payload(
                    sparkplug(null, 3, "bdSeq", 0, 4, 1L)).send();
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all r JOIN "
                    + "series s ON r.series = s.id WHERE s.metric = 'online' AND r.value = 0") == 2);
            assertThat(Sql.count(db, "SELECT count(*) FROM readings_all r JOIN series s ON r.series = s.id "
                    + "WHERE s.sensor = 'plant:edge-1:boiler' AND s.metric = 'Inputs.Temperature'")).isEqualTo(2);
            assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'unknown-alias'")).isEqualTo(1);
        } finally {
            edge.disconnect();
            listener.disconnect();
        }
    }

    /** A Sparkplug payload with its seq: (name or null, alias, datatype, value) per metric. */
    private static byte[] sparkplug(Long timestamp, int seq, Object... metrics) {
        org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Builder payload =
                org.eclipse.tahu.protobuf.SparkplugBProto.Payload.newBuilder().setSeq(seq);
        if (timestamp != null) {
            payload.setTimestamp(timestamp);
        }
        for (int i = 0; i < metrics.length; i += 4) {
            org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric.Builder m =
                    org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric.newBuilder()
                            .setAlias((Integer) metrics[i + 1]).setDatatype((Integer) metrics[i + 2]);
            if (metrics[i] != null) {
                m.setName((String) metrics[i]);
            }
            if (metrics[i + 3] instanceof Long l) {
                m.setLongValue(l);
            } else {
                m.setDoubleValue((Double) metrics[i + 3]);
            }
            payload.addMetrics(m);
        }
        return payload.build().toByteArray();
    }

    @Test
    void bareBooleanAndStringPayloadsBecomeNumbersAndStateReadings(TestConfig config) throws Exception {
        Path db = config.named("bare").db();
        DAEMONS.start(config.named("bare").with("""
                sources.plant.subscriptions = [
                  { topic = "switches/{sensor}/{metric}", qos = 1, format = boolean }
                  { topic = "doors/{sensor}/{metric}", qos = 1, format = string }
                ]
                """));
        try (TestMqttClient client = new TestMqttClient(BROKER)) {
            client.publish("switches/pump-1/running", "ON");
            client.publish("switches/pump-2/running", "off");
            client.publish("doors/door-1/state", "open");
            client.publish("switches/pump-3/running", "maybe");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "SELECT count(*) FROM states") == 1
                && Sql.count(db, "SELECT count(*) FROM readings_all") == 2
                && Sql.count(db, "SELECT count(*) FROM dead_letters") == 1);
        assertThat(Sql.count(db, "SELECT sum(value) FROM readings_all")).isEqualTo(1);
        assertThat(Sql.count(db, "SELECT count(*) FROM states WHERE state = 'open'")).isEqualTo(1);
        assertThat(Sql.count(db, "SELECT count(*) FROM dead_letters WHERE reason = 'not-a-boolean'")).isEqualTo(1);
    }

    private static void parse(String hocon) {
        io.sensorflow.app.ConfigLoader.bind(com.typesafe.config.ConfigFactory.parseString(hocon));
    }
}
