package io.sensorflow.codec;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonCodecTest {

    private static final long ARRIVAL = 1_795_331_702_000L;
    private final TopicMatch topic = new TopicMatch("sensors/lab-1/temperature", "lab-1", "temperature", Map.of());
    private final PayloadCodec codec = JsonCodec.FORMAT.codec(
            new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty()));

    private Reading decode(String json) throws DecodeException {
        return codec.decode(json.getBytes(StandardCharsets.UTF_8), "plant", topic, ARRIVAL).readings().get(0);
    }

    @Test
    void readsValueAndEpochMillisTimestamp() throws Exception {
        Reading r = decode("{\"value\": 21.5, \"ts\": 1795331702886}");
        assertThat(r.sensor()).isEqualTo("lab-1");
        assertThat(r.metric()).isEqualTo("temperature");
        assertThat(r.value()).isEqualTo(21.5);
        assertThat(r.timestamp()).isEqualTo(1_795_331_702_886L);
        assertThat(r.source()).isEqualTo("plant");
    }

    @Test
    void readsIsoTimestampsAndUsesArrivalTimeWhenThereIsNone() throws Exception {
        assertThat(decode("{\"value\": 1, \"ts\": \"2026-11-22T07:15:02Z\"}").timestamp()).isEqualTo(1_795_331_702_000L);
        assertThat(decode("{\"value\": 1, \"ts\": \"2026-11-22T08:15:02+01:00\"}").timestamp()).isEqualTo(1_795_331_702_000L);
        assertThat(decode("{\"value\": 1}").timestamp()).isEqualTo(ARRIVAL);
    }

    @Test
    void takesSensorAndMetricFromThePayloadWhenTheTopicHasNone() throws Exception {
        PayloadCodec byPointer = JsonCodec.FORMAT.codec(new PayloadMapping("/m/v", Optional.empty(),
                Optional.of("/id"), Optional.of("/kind")));
        Reading r = byPointer.decode("{\"id\": \"x7\", \"kind\": \"co2\", \"m\": {\"v\": 612}}".getBytes(StandardCharsets.UTF_8),
                "plant", TopicMatch.none("t"), ARRIVAL).readings().get(0);
        assertThat(r.sensor()).isEqualTo("x7");
        assertThat(r.metric()).isEqualTo("co2");
        assertThat(r.value()).isEqualTo(612);
    }

    @Test
    void namesTheReasonForEveryKindOfBadPayload() {
        assertReason("not json", "malformed-json");
        assertReason("{\"value\": \"hot\"}", "wrong-type");
        assertReason("{\"temp\": 3}", "missing-value");
        assertReason("{\"value\": 1, \"ts\": \"yesterday\"}", "bad-timestamp");
        assertReason("", "empty-payload");
        assertReason("[".repeat(100) + "]".repeat(100), "too-deep");
        // Jackson refuses NaN and Infinity literals, as JSON does.
        assertReason("{\"value\": NaN}", "malformed-json");
        assertReason("{\"value\": -Infinity}", "malformed-json");
        assertReason("{\"value\": 1e999}", "non-finite");
    }

    private void assertReason(String payload, String reason) {
        assertThatThrownBy(() -> decode(payload)).isInstanceOf(DecodeException.class)
                .satisfies(e -> assertThat(((DecodeException) e).reason()).isEqualTo(reason));
    }

    @Test
    void numberFormatTakesABarePayload() throws Exception {
        Reading r = NumberCodec.NUMBER.codec(null).decode(" 42.5\n".getBytes(StandardCharsets.UTF_8), "p", topic, ARRIVAL).readings().get(0);
        assertThat(r.value()).isEqualTo(42.5);
        assertThat(r.timestamp()).isEqualTo(ARRIVAL);
        assertThatThrownBy(() -> NumberCodec.NUMBER.codec(null).decode("NaN".getBytes(StandardCharsets.UTF_8), "p", topic, ARRIVAL))
                .isInstanceOf(DecodeException.class);
    }

    @Test
    void readsAnArrayOfReadingsAndKeepsTheGoodElementsWhenSomeAreBad() throws Exception {
        PayloadCodec items = JsonCodec.FORMAT.codec(new PayloadMapping("/v", Optional.of("/t"), Optional.of("/id"),
                Optional.of("/kind"), Optional.of("/readings"), Map.of("room", "/where/room"),
                Optional.of(TimePrecision.S), "sensor", Optional.of("/u")));
        Decoded d = items.decode(("{\"gateway\": \"g1\", \"readings\": ["
                + "{\"id\": \"a\", \"kind\": \"temperature\", \"v\": 21.5, \"u\": \"Cel\", \"t\": 1795331702, \"where\": {\"room\": \"lab\"}},"
                + "{\"id\": \"b\", \"kind\": \"temperature\", \"v\": \"warm\"},"
                + "{\"id\": \"c\", \"kind\": \"humidity\", \"v\": 40}]}").getBytes(StandardCharsets.UTF_8),
                "gw", TopicMatch.none("gw/batch"), ARRIVAL);
        assertThat(d.readings()).extracting(Reading::sensor).containsExactly("a", "c");
        assertThat(d.readings().get(0).timestamp()).isEqualTo(1_795_331_702_000L);
        assertThat(d.readings().get(0).tags()).containsExactly(Map.entry("room", "lab"));
        assertThat(d.readings().get(1).tags()).isEmpty();
        assertThat(d.readings()).extracting(Reading::unit).containsExactly("Cel", null);
        assertThat(d.rejected()).singleElement().satisfies(r -> {
            assertThat(r.where()).isEqualTo("/readings/1");
            assertThat(r.reason()).isEqualTo("wrong-type");
        });
        assertThatThrownBy(() -> items.decode("{\"readings\": 3}".getBytes(StandardCharsets.UTF_8), "gw",
                TopicMatch.none("gw/batch"), ARRIVAL)).isInstanceOf(DecodeException.class).hasMessageContaining("array");
    }

    @Test
    void readsBareOnOffStatesAsOneOrZero() throws Exception {
        PayloadCodec state = NumberCodec.BOOLEAN.codec(PayloadMapping.defaults());
        for (String on : new String[] {"true", "ON", "yes", "Open", "1"}) {
            assertThat(state.decode(on.getBytes(StandardCharsets.UTF_8), "p", topic, ARRIVAL).readings().get(0).value())
                    .isEqualTo(1.0);
        }
        for (String off : new String[] {"false", "off", "No", "closed", "0"}) {
            assertThat(state.decode(off.getBytes(StandardCharsets.UTF_8), "p", topic, ARRIVAL).readings().get(0).value())
                    .isEqualTo(0.0);
        }
        assertThatThrownBy(() -> state.decode("ajar".getBytes(StandardCharsets.UTF_8), "p", topic, ARRIVAL))
                .isInstanceOf(DecodeException.class);
    }

    @Test
    void aCanonicalArrayKeepsItsGoodElementsWhenOneTimestampIsOutOfRange() throws Exception {
        Decoded d = CanonicalCodec.FORMAT.codec(PayloadMapping.defaults()).decode(("["
                + "{\"sensor\": \"a\", \"metric\": \"t\", \"value\": 1, \"timestamp\": \"99999999999999999999\"},"
                + "{\"sensor\": \"b\", \"metric\": \"t\", \"value\": 2, \"timestamp\": 99999999999999999999},"
                + "{\"sensor\": \"c\", \"metric\": \"t\", \"value\": 3, \"timestamp\": 1795331702886}]")
                .getBytes(StandardCharsets.UTF_8), "push", TopicMatch.none("ingest"), ARRIVAL);
        assertThat(d.readings()).extracting(Reading::sensor).containsExactly("c");
        assertThat(d.rejected()).extracting(Decoded.Rejected::reason).containsExactly("bad-timestamp", "bad-timestamp");
    }
}
