package io.sensorflow.codec;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The examples of RFC 8428 section 5, in JSON and (section 6) in CBOR. */
class SenmlCodecTest {

    private static final long NOW = 1_795_331_702_000L;
    private static final TopicMatch NO_NAMES = TopicMatch.none("senml");

    private static Decoded json(String pack) throws DecodeException {
        return json(pack, NO_NAMES);
    }

    private static Decoded json(String pack, TopicMatch topic) throws DecodeException {
        return SenmlCodec.JSON_FORMAT.codec(PayloadMapping.defaults())
                .decode(pack.getBytes(StandardCharsets.UTF_8), "coap", topic, NOW);
    }

    @Test
    void singleDatapointNamedByItsUnit() throws Exception {
        // 5.1.1
        Decoded d = json("[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"Cel\",\"v\":23.1}]");
        assertThat(d.readings()).singleElement().satisfies(r -> {
            assertThat(r.sensor()).isEqualTo("urn:dev:ow:10e2073a01080063");
            assertThat(r.metric()).isEqualTo("Cel");
            assertThat(r.value()).isEqualTo(23.1);
            assertThat(r.timestamp()).as("no time: now").isEqualTo(NOW);
            assertThat(r.source()).isEqualTo("coap");
        });
    }

    @Test
    void multipleDatapointsShareTheBaseName() throws Exception {
        // 5.1.2
        Decoded d = json("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"voltage\",\"u\":\"V\",\"v\":120.1},"
                + "{\"n\":\"current\",\"u\":\"A\",\"v\":1.2}]");
        assertThat(d.readings()).extracting(Reading::sensor).containsOnly("urn:dev:ow:10e2073a01080063");
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("voltage", "current");
        assertThat(d.readings()).extracting(Reading::value).containsExactly(120.1, 1.2);
        assertThat(d.readings()).extracting(Reading::unit).containsExactly("V", "A");
    }

    @Test
    void multipleMeasurementsResolveBaseTimeAndRelativeTimes() throws Exception {
        // 5.1.3: bt in seconds, t relative to it.
        Decoded d = json("[{\"bn\":\"urn:dev:ow:10e2073a0108006:\",\"bt\":1.276020076001e+09,\"bu\":\"A\",\"bver\":5,"
                + "\"n\":\"voltage\",\"u\":\"V\",\"v\":120.1},"
                + "{\"n\":\"current\",\"t\":-5,\"v\":1.2},{\"n\":\"current\",\"t\":-4,\"v\":1.3},"
                + "{\"n\":\"current\",\"t\":-3,\"v\":1.4},{\"n\":\"current\",\"t\":-2,\"v\":1.5},"
                + "{\"n\":\"current\",\"t\":-1,\"v\":1.6},{\"n\":\"current\",\"v\":1.7}]");
        assertThat(d.rejected()).isEmpty();
        assertThat(d.readings()).hasSize(7);
        assertThat(d.readings().get(0).timestamp()).isEqualTo(1_276_020_076_001L);
        assertThat(d.readings().get(1).timestamp()).isEqualTo(1_276_020_071_001L);
        assertThat(d.readings().get(6).timestamp()).isEqualTo(1_276_020_076_001L);
        assertThat(d.readings()).extracting(Reading::sensor).containsOnly("urn:dev:ow:10e2073a0108006");
    }

    @Test
    void recordsWithoutANameAreToldApartByUnit() throws Exception {
        // 5.1.5 (start of it): humidity and a position, every 60 s.
        Decoded d = json("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1.320067464e+09,\"bu\":\"%RH\",\"v\":20},"
                + "{\"u\":\"lon\",\"v\":24.30621},{\"u\":\"lat\",\"v\":60.07965},"
                + "{\"t\":60,\"v\":20.3},{\"u\":\"lon\",\"t\":60,\"v\":24.30622},{\"u\":\"lat\",\"t\":60,\"v\":60.07965}]");
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("%RH", "lon", "lat", "%RH", "lon", "lat");
        assertThat(d.readings().get(3).timestamp()).isEqualTo(1_320_067_524_000L);
    }

    @Test
    void booleansAreOneOrZeroStringsAreStatesAndDataValuesAreRejectedAlone() throws Exception {
        // 5.1.4, multiple data types
        Decoded d = json("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"temp\",\"u\":\"Cel\",\"v\":23.1},"
                + "{\"n\":\"label\",\"vs\":\"Machine Room\"},{\"n\":\"open\",\"vb\":false},"
                + "{\"n\":\"nfc-reader\",\"vd\":\"aGkgCg\"}]");
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("temp", "label", "open");
        assertThat(d.readings().get(1).state()).isEqualTo("Machine Room");
        assertThat(d.readings().get(1).isState()).isTrue();
        assertThat(d.readings().get(2).value()).isEqualTo(0.0);
        assertThat(d.rejected()).singleElement().satisfies(r -> {
            assertThat(r.where()).isEqualTo("/3");
            assertThat(r.reason()).isEqualTo("unsupported-value");
        });
    }

    @Test
    void collectionOfResourcesUsesTheBaseNameAsTheSensor() throws Exception {
        // 5.1.6
        Decoded d = json("[{\"bn\":\"2001:db8::2/\",\"bt\":1.320078429e+09,\"n\":\"temperature\",\"u\":\"Cel\","
                + "\"v\":27.2},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":80}]");
        assertThat(d.readings()).extracting(Reading::sensor).containsOnly("2001:db8::2");
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("temperature", "humidity");
        assertThat(d.readings()).extracting(Reading::timestamp).containsOnly(1_320_078_429_000L);
    }

    @Test
    void baseValueAndBaseSumAreAdded() throws Exception {
        Decoded d = json("[{\"bn\":\"meter-1/\",\"bv\":1000,\"n\":\"energy\",\"v\":5},{\"n\":\"energy\",\"t\":-10,"
                + "\"v\":3},{\"bs\":200,\"n\":\"flow\",\"s\":7}]");
        assertThat(d.readings()).extracting(Reading::value).containsExactly(1005.0, 1003.0, 207.0);
        assertThat(d.readings().get(1).timestamp()).as("relative: 10 s before now").isEqualTo(NOW - 10_000);
    }

    @Test
    void theTopicNamesTheSensorWhenItHasOne() throws Exception {
        Decoded d = json("[{\"n\":\"temperature\",\"v\":21}]",
                new TopicMatch("senml/lab-1", "lab-1", null, Map.of("site", "north")));
        assertThat(d.readings()).singleElement().satisfies(r -> {
            assertThat(r.sensor()).isEqualTo("lab-1");
            assertThat(r.metric()).isEqualTo("temperature");
            assertThat(r.tags()).containsEntry("site", "north");
        });
    }

    @Test
    void aRecordWithTwoValuesOrAValueAndASumIsRefusedNotHalfStored() throws Exception {
        Decoded d = json("[{\"n\":\"a\",\"v\":1,\"s\":5},{\"n\":\"b\",\"v\":1,\"vs\":\"on\"},"
                + "{\"n\":\"c\",\"s\":7},{\"n\":\"d\",\"v\":2}]");
        assertThat(d.readings()).extracting(Reading::sensor).containsExactly("c", "d");
        assertThat(d.readings().get(0).value()).as("a sum alone is stored").isEqualTo(7.0);
        assertThat(d.rejected()).extracting(Decoded.Rejected::reason).containsExactly("value-and-sum",
                "multiple-values");
        assertThatThrownBy(() -> json("[{\"n\":\"a\",\"v\":1,\"v\":2}]")).isInstanceOf(DecodeException.class)
                .satisfies(e -> assertThat(((DecodeException) e).reason()).isEqualTo("duplicate-key"));
    }

    @Test
    void rejectsBadRecordsAloneAndBadPacksWhole() throws Exception {
        Decoded d = json("[{\"n\":\"a\",\"v\":\"hot\"},{\"v\":1},{\"n\":\"b\"},{\"n\":\"c\",\"v\":1,\"x_\":1},"
                + "{\"bver\":11,\"n\":\"d\",\"v\":1},7,{\"n\":\"e\",\"v\":2}]");
        assertThat(d.readings()).extracting(Reading::sensor).containsExactly("e");
        assertThat(d.rejected()).extracting(Decoded.Rejected::reason).containsExactly("wrong-type", "no-name",
                "missing-value", "unsupported-field", "unsupported-version", "not-senml");
        assertThatThrownBy(() -> json("{\"n\":\"a\",\"v\":1}")).isInstanceOf(DecodeException.class)
                .hasMessageContaining("array");
        assertThatThrownBy(() -> json("[{\"n\":")).isInstanceOf(DecodeException.class);
    }

    @Test
    void cborUsesTheIntegerLabelsOfSection6() throws Exception {
        // 5.1.2 again, written with CBOR's integer labels (bn = -2, n = 0, u = 1, v = 2, bt = -3, t = 6, vb = 4).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator g = (CBORGenerator) new CBORFactory().createGenerator(out)) {
            g.writeStartArray();
            g.writeStartObject();
            g.writeFieldId(-2);
            g.writeString("urn:dev:ow:10e2073a01080063:");
            g.writeFieldId(-3);
            g.writeNumber(1.320067464e+09);
            g.writeFieldId(0);
            g.writeString("voltage");
            g.writeFieldId(1);
            g.writeString("V");
            g.writeFieldId(2);
            g.writeNumber(120.1);
            g.writeEndObject();
            g.writeStartObject();
            g.writeFieldId(0);
            g.writeString("current");
            g.writeFieldId(6);
            g.writeNumber(-5);
            g.writeFieldId(2);
            g.writeNumber(1.2);
            g.writeEndObject();
            g.writeStartObject();
            g.writeFieldId(0);
            g.writeString("open");
            g.writeFieldId(4);
            g.writeBoolean(true);
            g.writeEndObject();
            g.writeEndArray();
        }
        Decoded d = SenmlCodec.CBOR_FORMAT.codec(PayloadMapping.defaults()).decode(out.toByteArray(), "coap",
                NO_NAMES, NOW);
        assertThat(d.rejected()).isEmpty();
        assertThat(d.readings()).extracting(Reading::metric).containsExactly("voltage", "current", "open");
        assertThat(d.readings()).extracting(Reading::value).containsExactly(120.1, 1.2, 1.0);
        assertThat(d.readings().get(1).timestamp()).isEqualTo(1_320_067_459_000L);
        assertThat(d.readings()).extracting(Reading::sensor).containsOnly("urn:dev:ow:10e2073a01080063");
        assertThatThrownBy(() -> SenmlCodec.CBOR_FORMAT.codec(PayloadMapping.defaults())
                .decode(new byte[] {(byte) 0x82, 0x01}, "coap", NO_NAMES, NOW)).isInstanceOf(DecodeException.class);
    }
}
