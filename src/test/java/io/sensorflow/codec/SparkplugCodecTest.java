package io.sensorflow.codec;

import io.sensorflow.model.Reading;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sparkplug B payloads built with Eclipse Tahu's own classes, as an edge node sends them. */
class SparkplugCodecTest {

    private static final long NOW = 1_795_331_702_000L;
    private final List<String> commands = new ArrayList<>();
    private PayloadCodec codec;

    @BeforeEach
    void codec() {
        codec = SparkplugCodec.FORMAT.codec(PayloadMapping.defaults());
        codec.commandsVia((topic, payload) -> {
            try {
                SparkplugBProto.Payload command = SparkplugBProto.Payload.parseFrom(payload);
                commands.add(topic + " " + command.getMetrics(0).getName() + "=" + command.getMetrics(0).getBooleanValue());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static Metric.Builder metric(String name, long alias, DataType type) {
        Metric.Builder m = Metric.newBuilder().setDatatype(type.getNumber()).setAlias(alias);
        return name == null ? m : m.setName(name);
    }

    private Decoded decode(String topic, SparkplugBProto.Payload.Builder payload) throws DecodeException {
        return codec.decode(payload.build().toByteArray(), "plant", TopicMatch.none(topic), NOW);
    }

    /** As an edge node numbers its messages: one after the other, from its birth on. */
    private int seq;

    private SparkplugBProto.Payload.Builder payload(long timestamp, Metric.Builder... metrics) {
        SparkplugBProto.Payload.Builder p = SparkplugBProto.Payload.newBuilder().setTimestamp(timestamp)
                .setSeq(seq++ % 256);
        for (Metric.Builder m : metrics) {
            p.addMetrics(m);
        }
        return p;
    }

    private void birth() throws DecodeException {
        decode("spBv1.0/plant/NBIRTH/edge-1", payload(NOW - 5000,
                metric("bdSeq", 0, DataType.Int64).setLongValue(7),
                metric("Node Control/Rebirth", 1, DataType.Boolean).setBooleanValue(false),
                metric("Uptime", 2, DataType.Int64).setLongValue(12)));
        decode("spBv1.0/plant/DBIRTH/edge-1/boiler", payload(NOW - 4000,
                metric("Inputs/Temperature", 10, DataType.Double).setDoubleValue(71.5),
                metric("Inputs/Pressure", 11, DataType.Float).setFloatValue(2.5f),
                metric("Outputs/Pump", 12, DataType.Boolean).setBooleanValue(true),
                metric("Info/Serial", 13, DataType.String).setStringValue("SN-1")));
    }

    @Test
    void birthCertificatesAreReadingsAndTeachTheAliasesThatDataUses() throws Exception {
        decode("spBv1.0/plant/NBIRTH/edge-1", payload(NOW - 5000,
                metric("bdSeq", 0, DataType.Int64).setLongValue(7),
                metric("Uptime", 2, DataType.Int64).setLongValue(12)));
        Decoded birth = decode("spBv1.0/plant/DBIRTH/edge-1/boiler", payload(NOW - 4000,
                metric("Inputs/Temperature", 10, DataType.Double).setDoubleValue(71.5),
                metric("Info/Serial", 13, DataType.String).setStringValue("SN-1")));
        assertThat(birth.readings()).extracting(Reading::metric).containsExactly("Inputs.Temperature", "Info.Serial",
                "online");
        assertThat(birth.readings().get(1).state()).as("a string is a state reading").isEqualTo("SN-1");
        assertThat(birth.readings()).extracting(Reading::sensor).containsOnly("plant:edge-1:boiler");
        assertThat(birth.readings().get(0).tags()).containsOnly(Map.entry("group", "plant"),
                Map.entry("edge_node", "edge-1"), Map.entry("device", "boiler"));

        Decoded data = decode("spBv1.0/plant/DDATA/edge-1/boiler", payload(NOW,
                metric(null, 10, DataType.Double).setDoubleValue(72.25),
                metric(null, 10, DataType.Double).setDoubleValue(72.5).setTimestamp(NOW + 100)));
        assertThat(data.rejected()).isEmpty();
        assertThat(data.readings()).extracting(Reading::metric).containsOnly("Inputs.Temperature");
        assertThat(data.readings()).extracting(Reading::value).containsExactly(72.25, 72.5);
        assertThat(data.readings()).extracting(Reading::timestamp).containsExactly(NOW, NOW + 100);
        assertThat(commands).isEmpty();
    }

    @Test
    void readsEveryNumericTypeWithItsSignStringsAsStatesAndSkipsNullsAndTransients() throws Exception {
        birth();
        Decoded d = decode("spBv1.0/plant/NDATA/edge-1", payload(NOW,
                metric("i8", 0, DataType.Int8).setIntValue(-5),
                metric("i16", 0, DataType.Int16).setIntValue(-300),
                metric("i32", 0, DataType.Int32).setIntValue(-70000),
                metric("u8", 0, DataType.UInt8).setIntValue(250),
                metric("u16", 0, DataType.UInt16).setIntValue(65000),
                metric("u32", 0, DataType.UInt32).setLongValue(4_000_000_000L),
                metric("i64", 0, DataType.Int64).setLongValue(-5_000_000_000L),
                metric("u64", 0, DataType.UInt64).setLongValue(-1L),
                metric("f", 0, DataType.Float).setFloatValue(1.5f),
                metric("b", 0, DataType.Boolean).setBooleanValue(false),
                metric("s", 0, DataType.String).setStringValue("text"),
                metric("n", 0, DataType.Double).setIsNull(true),
                metric("t", 0, DataType.Double).setIsTransient(true).setDoubleValue(1)));
        assertThat(d.readings()).extracting(Reading::metric)
                .containsExactly("i8", "i16", "i32", "u8", "u16", "u32", "i64", "u64", "f", "b", "s");
        assertThat(d.readings().subList(0, 10)).extracting(Reading::value).containsExactly(-5.0, -300.0, -70000.0, 250.0,
                65000.0, 4.0e9, -5.0e9, 1.8446744073709552e19, 1.5, 0.0);
        assertThat(d.readings().get(10).state()).isEqualTo("text");
        assertThat(d.readings()).extracting(Reading::sensor).containsOnly("plant:edge-1");
    }

    @Test
    void anUnknownAliasIsRejectedAloneAndAsksForARebirthAtMostEvery10Seconds() throws Exception {
        birth();
        Decoded d = decode("spBv1.0/plant/DDATA/edge-1/boiler", payload(NOW,
                metric(null, 11, DataType.Float).setFloatValue(2.75f),
                metric(null, 99, DataType.Double).setDoubleValue(1)));
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("Inputs.Pressure");
        assertThat(d.rejected()).singleElement().satisfies(r -> {
            assertThat(r.where()).isEqualTo("metric 1");
            assertThat(r.reason()).isEqualTo("unknown-alias");
        });
        assertThat(commands).containsExactly("spBv1.0/plant/NCMD/edge-1 Node Control/Rebirth=true");
        decode("spBv1.0/plant/DDATA/edge-1/boiler", payload(NOW, metric(null, 98, DataType.Double).setDoubleValue(1)));
        assertThat(commands).as("not again within 10 s").hasSize(1);

        // Data from an edge node born before we started: every alias is unknown until its rebirth.
        Decoded unborn = decode("spBv1.0/plant/NDATA/edge-2", payload(NOW, metric(null, 3, DataType.Double)
                .setDoubleValue(1)));
        assertThat(unborn.rejected()).extracting(Decoded.Rejected::reason).containsExactly("unknown-alias");
        assertThat(commands).last().isEqualTo("spBv1.0/plant/NCMD/edge-2 Node Control/Rebirth=true");
    }

    @Test
    void deathMakesTheNodeAndItsDevicesOfflineUnlessItIsTheWillOfAnOlderSession() throws Exception {
        birth();
        Decoded stale = decode("spBv1.0/plant/NDEATH/edge-1", SparkplugBProto.Payload.newBuilder()
                .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(6)));
        assertThat(stale.readings()).as("bdSeq 6 is not the current session's 7").isEmpty();

        Decoded death = decode("spBv1.0/plant/NDEATH/edge-1", SparkplugBProto.Payload.newBuilder()
                .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(7)));
        assertThat(death.readings()).extracting(r -> r.sensor() + " " + r.metric() + "=" + r.value())
                .containsExactly("plant:edge-1 online=0.0", "plant:edge-1:boiler online=0.0");
        assertThat(death.readings()).extracting(Reading::timestamp).as("arrival time, after the birth's online = 1")
                .containsOnly(NOW + 1);

        birth();
        Decoded deviceDeath = decode("spBv1.0/plant/DDEATH/edge-1/boiler", payload(NOW));
        assertThat(deviceDeath.readings()).extracting(r -> r.sensor() + " " + r.metric() + "=" + r.value())
                .containsExactly("plant:edge-1:boiler online=0.0");
    }

    @Test
    void rejectsWhatIsNotSparkplugAndIgnoresCommandsAndHostState() throws Exception {
        assertThatThrownBy(() -> codec.decode(new byte[] {1, 2, 3}, "p", TopicMatch.none("spBv1.0/plant/NDATA/e"), NOW))
                .isInstanceOf(DecodeException.class).extracting(e -> ((DecodeException) e).reason())
                .isEqualTo("malformed-protobuf");
        assertThatThrownBy(() -> decode("sensors/a/b", payload(NOW))).isInstanceOf(DecodeException.class)
                .extracting(e -> ((DecodeException) e).reason()).isEqualTo("not-sparkplug");
        assertThatThrownBy(() -> decode("spBv1.0/plant/DDATA/edge-1", payload(NOW))).isInstanceOf(DecodeException.class);
        assertThat(decode("spBv1.0/plant/NCMD/edge-1", payload(NOW)).readings()).isEmpty();
        assertThat(codec.decode("{\"online\": true}".getBytes(), "p", TopicMatch.none("spBv1.0/STATE/host-1"), NOW)
                .readings()).isEmpty();
    }

    @Test
    void aGapInTheSequenceNumbersAsksForARebirth() throws Exception {
        decode("spBv1.0/plant/NBIRTH/edge-1", payload(NOW, metric("bdSeq", 0, DataType.Int64).setLongValue(1))
                .setSeq(0));
        decode("spBv1.0/plant/NDATA/edge-1", payload(NOW, metric("x", 0, DataType.Double).setDoubleValue(1)).setSeq(1));
        decode("spBv1.0/plant/DBIRTH/edge-1/pump", payload(NOW, metric("y", 5, DataType.Double).setDoubleValue(1))
                .setSeq(2));
        assertThat(commands).isEmpty();
        Decoded afterGap = decode("spBv1.0/plant/NDATA/edge-1", payload(NOW, metric("x", 0, DataType.Double)
                .setDoubleValue(2)).setSeq(5));
        assertThat(afterGap.readings()).as("the data still counts").hasSize(1);
        assertThat(commands).containsExactly("spBv1.0/plant/NCMD/edge-1 Node Control/Rebirth=true");
    }

    @Test
    void onlineIsStampedWithArrivalTimeSoThatARebirthAfterADeathAlwaysWins() throws Exception {
        decode("spBv1.0/plant/NBIRTH/edge-1", payload(NOW - 60_000, metric("bdSeq", 0, DataType.Int64).setLongValue(1))
                .setSeq(0));
        Decoded death = decode("spBv1.0/plant/NDEATH/edge-1", SparkplugBProto.Payload.newBuilder()
                .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(1)));
        // The edge node's clock is a minute behind: its birth says NOW - 60 s, but it came after the death.
        Decoded rebirth = decode("spBv1.0/plant/NBIRTH/edge-1", payload(NOW - 60_000,
                metric("bdSeq", 0, DataType.Int64).setLongValue(2)).setSeq(0));
        long died = death.readings().get(0).timestamp();
        assertThat(rebirth.readings()).filteredOn(r -> r.metric().equals("online")).singleElement()
                .satisfies(r -> assertThat(r.timestamp()).isGreaterThan(died));
    }

    @Test
    void aDeviceDeathIsPartOfTheSequence() throws Exception {
        birth();
        decode("spBv1.0/plant/DDEATH/edge-1/boiler", payload(NOW));
        decode("spBv1.0/plant/NDATA/edge-1", payload(NOW, metric("Uptime", 2, DataType.Int64).setLongValue(13)));
        assertThat(commands).isEmpty();
    }

    @Test
    void aRebirthDoesNotResetTheRateLimitAndADeviceCannotBeBornBeforeItsNode() throws Exception {
        birth();
        decode("spBv1.0/plant/NDATA/edge-1", payload(NOW, metric("x", 0, DataType.Double).setDoubleValue(1)).setSeq(9));
        assertThat(commands).hasSize(1);
        seq = 0;
        birth();
        decode("spBv1.0/plant/NDATA/edge-1", payload(NOW + 1000, metric("x", 0, DataType.Double).setDoubleValue(1))
                .setSeq(9));
        assertThat(commands).as("a second gap within 10 s, after a rebirth").hasSize(1);

        assertThatThrownBy(() -> decode("spBv1.0/plant/DBIRTH/edge-9/pump", payload(NOW)))
                .isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> decode("spBv1.0/plant/DBIRTH/edge-9/valve", payload(NOW)))
                .as("still no NBIRTH of edge-9").isInstanceOf(DecodeException.class);
        assertThat(decode("spBv1.0/plant/NDEATH/edge-9", SparkplugBProto.Payload.newBuilder()
                .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(1))).readings())
                .extracting(Reading::sensor).containsExactly("plant:edge-9");
    }

    @Test
    void edgeNodesPastTheBoundAreRefusedAndKnownOnesGoOn() throws Exception {
        for (int i = 0; i < SparkplugCodec.MAX_NODES; i++) {
            seq = 0;
            decode("spBv1.0/plant/NBIRTH/edge-" + i, payload(NOW, metric("bdSeq", 0, DataType.Int64).setLongValue(1)));
        }
        seq = 0;
        assertThatThrownBy(() -> decode("spBv1.0/plant/NBIRTH/one-more", payload(NOW,
                metric("bdSeq", 0, DataType.Int64).setLongValue(1))))
                .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.reason()).isEqualTo("too-many-nodes"));
        seq = 0;
        assertThat(decode("spBv1.0/plant/NBIRTH/edge-7", payload(NOW,
                metric("bdSeq", 0, DataType.Int64).setLongValue(2))).readings()).as("a rebirth of a known node")
                .isNotEmpty();
    }
}
