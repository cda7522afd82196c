package io.sensorflow.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FlatJson} reads the plain message without a tree and hands everything else to the tree: so for any payload,
 * {@link JsonCodec#decode} must give what the tree alone gives, readings and errors alike.
 */
class FlatJsonTest {

    private static final long ARRIVAL = 1_795_331_702_000L;
    private static final TopicMatch NAMED = new TopicMatch("sensors/lab-1/temperature", "lab-1", "temperature",
            Map.of("room", "a"));
    private static final TopicMatch UNNAMED = TopicMatch.none("plant/raw");

    private static final List<String> PAYLOADS = List.of(
            "{\"value\": 21.5, \"ts\": 1795331702886}",
            "{\"ts\": 1795331702886, \"value\": 21}",
            "{\"value\": -0.0}",
            "{\"value\": true, \"ts\": null}",
            "{\"value\": false}",
            "{\"value\": 1, \"ts\": \"2026-11-22T07:15:02Z\"}",
            "{\"value\": 1, \"ts\": \"yesterday\"}",
            "{\"value\": 1, \"ts\": 1795331702.886}",
            "{\"value\": 1, \"ts\": 17953317028861234567890}",
            "{\"value\": 1, \"ts\": {\"s\": 1}}",
            "{\"value\": 1, \"ts\": [1]}",
            "{\"value\": 1, \"ts\": true}",
            "{\"value\": 123456789012345678901234567890}",
            "{\"value\": 1e400}",
            "{\"value\": 1.5e3, \"n\": 12345678901234567890123}",
            "{\"value\": \"hot\"}",
            "{\"value\": null}",
            "{\"value\": {\"v\": 1}}",
            "{\"value\": [1, 2]}",
            "{\"temp\": 3}",
            "{\"value\": 1, \"value\": 2}",
            "{\"value\": 1, \"extra\": {\"deep\": [1, {\"x\": null}]}, \"s\": \"x\"}",
            "{\"value\": 1} trailing",
            "{\"value\": 1,}",
            "{\"value\": 1",
            "{\"value\": 1, \"id\": \"x7\", \"kind\": \"co2\"}",
            "{\"value\": 1, \"id\": \"\", \"kind\": \"co2\"}",
            "{\"value\": 1, \"id\": 42, \"kind\": \"co2\"}",
            "{\"value\": 1, \"id\": 4.20, \"kind\": \"co2\"}",
            "{\"value\": 1, \"id\": null, \"kind\": \"co2\"}",
            "{\"value\": 1, \"id\": \"x7\"}",
            "{\"value\": 1, \"id\": {\"a\": 1}, \"kind\": \"co2\"}",
            "[{\"value\": 1}]",
            "42",
            "\"value\"",
            "",
            "   ",
            "not json",
            "{\"value\": 1, \"x\": " + "[".repeat(40) + "]".repeat(40) + "}",
            "{\"value\": 1" + "0".repeat(5_000) + "}",
            "{\"value\": 1, \"n\": 1" + "0".repeat(5_000) + "}",
            "{\"value\": NaN}",
            "{\"v\\u0061lue\": 7}");

    @Test
    void givesWhatTheTreeGivesForEveryPayloadAndMapping() throws Exception {
        List<PayloadMapping> mappings = List.of(
                new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty()),
                new PayloadMapping("/value", Optional.empty(), Optional.empty(), Optional.empty()),
                new PayloadMapping("/value", Optional.of("/ts"), Optional.of("/id"), Optional.of("/kind")),
                new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty(), Optional.empty(),
                        Map.of(), Optional.of(TimePrecision.S), PayloadMapping.DEFAULT_SENSOR_TAG, Optional.empty()));
        List<String> fast = new ArrayList<>();
        for (PayloadMapping mapping : mappings) {
            JsonCodec codec = (JsonCodec) JsonCodec.FORMAT.codec(mapping);
            for (TopicMatch topic : List.of(NAMED, UNNAMED)) {
                for (String payload : PAYLOADS) {
                    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
                    String expected = outcome(() -> codec.decodeTree(bytes, "plant", topic, ARRIVAL));
                    String actual = outcome(() -> codec.decode(bytes, "plant", topic, ARRIVAL));
                    assertThat(actual).as("%s with %s on %s", payload, mapping, topic).isEqualTo(expected);
                    if (outcome(() -> codec.flat == null || codec.flat.read(bytes, "plant", topic, ARRIVAL) == null
                            ? null : Decoded.of(List.of())).startsWith("readings")) {
                        fast.add(payload);
                    }
                }
            }
        }
        // The comparison covers the fast path, not only the fallback.
        assertThat(fast).contains("{\"value\": 21.5, \"ts\": 1795331702886}", "{\"value\": true, \"ts\": null}",
                "{\"value\": 1, \"id\": \"x7\", \"kind\": \"co2\"}");
    }

    @Test
    void readsThePlainMessageWithoutTheTree() throws Exception {
        FlatJson flat = FlatJson.of(JsonCodec.MAPPER.getFactory(),
                new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty()),
                com.fasterxml.jackson.core.JsonPointer.compile("/value"),
                com.fasterxml.jackson.core.JsonPointer.compile("/ts"), null, null);
        assertThat(flat).isNotNull();
        assertThat(flat.read("{\"value\": 21.5, \"ts\": 1795331702886}".getBytes(StandardCharsets.UTF_8), "plant",
                NAMED, ARRIVAL)).isNotNull();
        assertThat(flat.read("{\"value\": \"hot\"}".getBytes(StandardCharsets.UTF_8), "plant", NAMED, ARRIVAL))
                .isNull();
    }

    @Test
    void mappingsThatNeedTheTreeGetNoFastReader() {
        assertThat(FlatJson.of(JsonCodec.MAPPER.getFactory(),
                new PayloadMapping("/m/v", Optional.empty(), Optional.empty(), Optional.empty()),
                com.fasterxml.jackson.core.JsonPointer.compile("/m/v"), null, null, null)).isNull();
        assertThat(FlatJson.of(JsonCodec.MAPPER.getFactory(),
                new PayloadMapping("/value", Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("/items"),
                        Map.of(), Optional.empty(), PayloadMapping.DEFAULT_SENSOR_TAG, Optional.empty()),
                com.fasterxml.jackson.core.JsonPointer.compile("/value"), null, null, null)).isNull();
    }

    private interface Decode {
        Decoded run() throws DecodeException;
    }

    /** Readings or the error, as text to compare. */
    private static String outcome(Decode decode) {
        try {
            Decoded decoded = decode.run();
            if (decoded == null) {
                return "none";
            }
            return "readings " + decoded.readings() + " rejected " + decoded.rejected();
        } catch (DecodeException e) {
            return "error " + e.reason() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            return "exception " + e;
        }
    }
}
