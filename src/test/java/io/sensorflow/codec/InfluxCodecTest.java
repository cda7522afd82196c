package io.sensorflow.codec;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The line-protocol cases of InfluxDB's documentation ("Line protocol" reference), escaping included. */
class InfluxCodecTest {

    private static final long ARRIVAL = 1_795_331_702_000L;
    private static final TopicMatch FROM_TOPIC = new TopicMatch("plant/dev-1", "dev-1", null, Map.of());
    private static final TopicMatch NO_SENSOR = TopicMatch.none("ingest");

    private static Decoded decode(String lines, TopicMatch topic) throws DecodeException {
        return decode(lines, topic, Optional.empty());
    }

    private static Decoded decode(String lines, TopicMatch topic, Optional<TimePrecision> precision)
            throws DecodeException {
        PayloadMapping mapping = new PayloadMapping("/value", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of(), precision, "sensor", Optional.empty());
        return InfluxCodec.FORMAT.codec(mapping).decode(lines.getBytes(StandardCharsets.UTF_8), "gw", topic, ARRIVAL);
    }

    private static Reading only(String line) throws DecodeException {
        Decoded decoded = decode(line, FROM_TOPIC);
        assertThat(decoded.rejected()).isEmpty();
        assertThat(decoded.readings()).hasSize(1);
        return decoded.readings().get(0);
    }

    @Test
    void eachNumericFieldIsAReadingWithTheTagsAndTheNanosecondTimestamp() throws Exception {
        // The "Get started" home data, at the default precision (ns).
        Decoded decoded = decode("home,room=Living\\ Room,sensor=th-7 temp=21.1,hum=35.9,co=0i 1641024000000000000",
                NO_SENSOR);
        assertThat(decoded.readings()).extracting(Reading::metric).containsExactly("home_temp", "home_hum", "home_co");
        Reading temp = decoded.readings().get(0);
        assertThat(temp.sensor()).isEqualTo("th-7");
        assertThat(temp.value()).isEqualTo(21.1);
        assertThat(temp.timestamp()).isEqualTo(1_641_024_000_000L);
        assertThat(temp.tags()).containsExactly(Map.entry("room", "Living Room"));
        assertThat(temp.source()).isEqualTo("gw");
    }

    @Test
    void aFieldNamedValueIsTheMeasurementItself() throws Exception {
        Reading r = only("temperature value=22.5");
        assertThat(r.metric()).isEqualTo("temperature");
        assertThat(r.sensor()).as("from the topic").isEqualTo("dev-1");
        assertThat(r.timestamp()).as("no timestamp: arrival").isEqualTo(ARRIVAL);
    }

    @Test
    void precisionScalesTheTimestamp() throws Exception {
        assertThat(decode("m value=1 1641024000", FROM_TOPIC, Optional.of(TimePrecision.S)).readings().get(0)
                .timestamp()).isEqualTo(1_641_024_000_000L);
        assertThat(decode("m value=1 1641024000123", FROM_TOPIC, Optional.of(TimePrecision.MS)).readings().get(0)
                .timestamp()).isEqualTo(1_641_024_000_123L);
        assertThat(decode("m value=1 1641024000123456", FROM_TOPIC, Optional.of(TimePrecision.US)).readings().get(0)
                .timestamp()).isEqualTo(1_641_024_000_123L);
        assertThat(decode("m value=1 -1000000", FROM_TOPIC).readings().get(0).timestamp())
                .as("timestamps before 1970 are allowed").isEqualTo(-1L);
    }

    @Test
    void readsEveryNumericFieldTypeOfTheDocumentation() throws Exception {
        assertThat(only("myMeasurement value=1.0").value()).isEqualTo(1.0);
        assertThat(only("myMeasurement value=1").value()).isEqualTo(1.0);
        assertThat(only("myMeasurement value=-1.234456e+78").value()).isEqualTo(-1.234456e+78);
        assertThat(only("myMeasurement value=1i").value()).isEqualTo(1.0);
        assertThat(only("myMeasurement value=-42i").value()).isEqualTo(-42.0);
        assertThat(only("myMeasurement value=12485903u").value()).isEqualTo(12_485_903.0);
        for (String yes : new String[] {"t", "T", "true", "True", "TRUE"}) {
            assertThat(only("myMeasurement value=" + yes).value()).isEqualTo(1.0);
        }
        for (String no : new String[] {"f", "F", "false", "False", "FALSE"}) {
            assertThat(only("myMeasurement value=" + no).value()).isEqualTo(0.0);
        }
    }

    @Test
    void unescapesMeasurementsTagsAndFieldKeys() throws Exception {
        assertThat(only("my\\ Measurement value=1").metric()).isEqualTo("my Measurement");
        assertThat(only("my\\,Measurement value=1").metric()).isEqualTo("my,Measurement");
        Reading tags = only("myMeasurement,tag\\ Key1=tag\\ Value1,tag\\ Key2=tag\\ Value2 value=100");
        assertThat(tags.tags()).containsOnly(Map.entry("tag Key1", "tag Value1"), Map.entry("tag Key2", "tag Value2"));
        assertThat(only("myMeasurement,tagKeyA\\=B=tagValue value=1").tags()).containsEntry("tagKeyA=B", "tagValue");
        assertThat(only("myMeasurement,tagKey=a\\,b value=1").tags()).containsEntry("tagKey", "a,b");
        assertThat(only("m field\\ Key=1").metric()).isEqualTo("m_field Key");
        assertThat(only("m field\\=Key=1").metric()).isEqualTo("m_field=Key");
        // A backslash before any other character is literal.
        assertThat(only("m\\x value=1").metric()).isEqualTo("m\\x");
        assertThat(only("myMeasurement,tagKey=Emoji value=1").tags()).containsEntry("tagKey", "Emoji");
    }

    @Test
    void stringFieldsAreStateReadingsWithEscapedQuotesAndBackslashes() throws Exception {
        Decoded decoded = decode("myMeasurement fieldKey=\"\\\"string\\\" within, a string\",value=3,"
                + "other=\"Launch \uD83D\uDE80\",bs=\"\\\\\" 1556813561098000000", FROM_TOPIC);
        assertThat(decoded.rejected()).isEmpty();
        assertThat(decoded.readings()).extracting(Reading::metric)
                .containsExactly("myMeasurement_fieldKey", "myMeasurement", "myMeasurement_other", "myMeasurement_bs");
        assertThat(decoded.readings()).extracting(Reading::state)
                .containsExactly("\"string\" within, a string", null, "Launch \uD83D\uDE80", "\\");
        assertThat(decoded.readings().get(1).value()).isEqualTo(3.0);
        assertThat(decoded.readings()).extracting(Reading::timestamp).containsOnly(1_556_813_561_098L);
        Decoded onlyStrings = decode("myMeasurement,tag1=value1,tag2=value2 fieldKey=\"fieldValue\" "
                + "1556813561098000000", FROM_TOPIC);
        assertThat(onlyStrings.readings()).singleElement().extracting(Reading::state).isEqualTo("fieldValue");
    }

    @Test
    void skipsCommentsAndBlankLinesAndCountsLinesForRejections() throws Exception {
        Decoded decoded = decode("# This is a comment\n\nm value=1\r\nm value=x\nm,sensor=a\nm value=2 12x\nm value=3",
                FROM_TOPIC);
        assertThat(decoded.readings()).extracting(Reading::value).containsExactly(1.0, 3.0);
        assertThat(decoded.rejected()).extracting(Decoded.Rejected::where).containsExactly("line 4", "line 5", "line 6");
        assertThat(decoded.rejected()).extracting(Decoded.Rejected::reason)
                .containsExactly("wrong-type", "bad-line", "bad-timestamp");
    }

    @Test
    void rejectsNonFiniteValuesAndLinesWithoutASensor() throws Exception {
        assertThat(decode("m value=NaN", FROM_TOPIC).rejected()).singleElement()
                .extracting(Decoded.Rejected::reason).isEqualTo("wrong-type");
        assertThat(decode("m value=1e999", FROM_TOPIC).rejected()).singleElement()
                .extracting(Decoded.Rejected::reason).isEqualTo("non-finite");
        assertThat(decode("m value=1", NO_SENSOR).rejected()).singleElement()
                .extracting(Decoded.Rejected::reason).isEqualTo("no-sensor");
        assertThat(decode("m value=\"unterminated", FROM_TOPIC).rejected()).singleElement()
                .extracting(Decoded.Rejected::reason).isEqualTo("bad-line");
        assertThatThrownBy(() -> decode("# only a comment\n", FROM_TOPIC)).isInstanceOf(DecodeException.class);
    }

    @Test
    void unsignedFieldsKeepTheirTopBitAndJavaOnlyNumberFormsAreRefused() throws Exception {
        assertThat(only("m value=18446744073709551615u").value()).isEqualTo(1.8446744073709552e19);
        assertThat(only("m value=9223372036854775808u").value()).isEqualTo(9.223372036854775808e18);
        for (String notLineProtocol : new String[] {"0x1p3", "1d", "1f", "Infinity", "+-1"}) {
            assertThat(decode("m value=" + notLineProtocol, FROM_TOPIC).rejected()).as(notLineProtocol)
                    .singleElement().extracting(Decoded.Rejected::reason).isEqualTo("wrong-type");
        }
        assertThat(only("m value=-.5").value()).isEqualTo(-0.5);
        assertThat(only("m value=1.").value()).isEqualTo(1.0);
        assertThat(only("m value=+2E3").value()).isEqualTo(2000.0);
    }
}
