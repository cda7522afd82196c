package io.sensorflow.source;

import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DecoderTest {

    private static final long NOW = 1_795_331_702_000L;
    private final Metrics metrics = new Metrics();
    private final Decoder decoder = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1024);

    private Envelope decode(String payload) {
        return decode(payload, io.sensorflow.codec.JsonCodec.FORMAT.codec(
                new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty())));
    }

    private Envelope decode(String payload, io.sensorflow.codec.PayloadCodec codec) {
        return decoder.decode(new Incoming("plant", payload.getBytes(StandardCharsets.UTF_8), NOW, codec,
                new TopicMatch("sensors/a/t", "a", "t", Map.of()), Acknowledgement.NONE));
    }

    @Test
    void keepsReadingsAndAcknowledgesBadPayloadsAsDeadLetters() {
        assertThat(decode("{\"value\": 1, \"ts\": " + NOW + "}").readings()).hasSize(1);
        Envelope bad = decode("{oops");
        assertThat(bad.readings()).isEmpty();
        assertThat(bad.deadLetters()).singleElement().extracting(DeadLetter::reason).isEqualTo("malformed-json");
        assertThat(metrics.decodeErrors("plant", "malformed-json").get()).isEqualTo(1.0);
    }

    @Test
    void deadLettersATimestampFarAheadOfArrival() {
        // Microseconds where milliseconds were expected: a thousand times too far in the future.
        Envelope future = decode("{\"value\": 1, \"ts\": " + NOW * 1000 + "}");
        assertThat(future.readings()).isEmpty();
        assertThat(future.deadLetters()).singleElement().extracting(DeadLetter::reason).isEqualTo("future-timestamp");
        assertThat(decode("{\"value\": 1, \"ts\": " + (NOW + 59 * 60_000) + "}").readings())
                .as("within max-future-skew").hasSize(1);
    }

    @Test
    void deadLettersATimestampFarBehindArrival() {
        Envelope old = decode("{\"value\": 1, \"ts\": 86400000}");
        assertThat(old.readings()).isEmpty();
        assertThat(old.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("past-timestamp");
            assertThat(letter.detail()).contains("max-past-skew");
        });
        assertThat(decode("{\"value\": 1, \"ts\": " + (NOW - 29L * 86_400_000) + "}").readings())
                .as("within max-past-skew").hasSize(1);
        Decoder unbounded = new Decoder(metrics, Duration.ofHours(1), Duration.ZERO, 1024);
        assertThat(unbounded.decode(new Incoming("plant", "{\"value\": 1, \"ts\": 5}".getBytes(StandardCharsets.UTF_8),
                NOW, io.sensorflow.codec.JsonCodec.FORMAT.codec(new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(),
                Optional.empty())), new TopicMatch("t", "a", "t", Map.of()), Acknowledgement.NONE)).readings())
                .as("max-past-skew = 0s accepts any age").hasSize(1);
    }

    @Test
    void deadLettersAPayloadOverTheSizeLimitWithoutDecodingIt() {
        Envelope big = decode("{\"value\": 1, \"pad\": \"" + "x".repeat(2000) + "\"}");
        assertThat(big.readings()).isEmpty();
        assertThat(big.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("payload-too-large");
            assertThat(letter.payload()).hasSizeLessThanOrEqualTo(DeadLetter.MAX_PAYLOAD);
        });
        assertThat(metrics.decodeErrors("plant", "payload-too-large").get()).isEqualTo(1.0);
    }

    @Test
    void keepsTheGoodLinesOfABatchAndDeadLettersEachBadOneWithItsPlace() {
        Envelope mixed = decode("t,sensor=a value=1 " + NOW * 1_000_000 + "\nt,sensor=b value=oops\n"
                        + "t,sensor=c value=3 " + NOW * 1_000_000 + "\nt,sensor=d value=4 99999999999999999999",
                io.sensorflow.codec.InfluxCodec.FORMAT.codec(io.sensorflow.codec.PayloadMapping.defaults()));
        assertThat(mixed.readings()).extracting(io.sensorflow.model.Reading::sensor).containsExactly("a", "c");
        assertThat(mixed.deadLetters()).extracting(DeadLetter::reason).containsExactly("wrong-type", "bad-timestamp");
        assertThat(mixed.deadLetters().get(0).detail()).startsWith("line 2: ");
        assertThat(mixed.deadLetters().get(1).detail()).startsWith("line 4: ");
    }

    @Test
    void deadLettersJsonNestedDeeperThanTheLimit() {
        Envelope deep = decode("[".repeat(100) + "]".repeat(100));
        assertThat(deep.deadLetters()).singleElement().extracting(DeadLetter::reason).isEqualTo("too-deep");
    }

    @Test
    void aPayloadOfManyBadElementsMakesAtMostAHundredAndOneDeadLettersSharingOneCopy() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 250; i++) {
            lines.append("t,sensor=s value=bad\n");
        }
        lines.append("t,sensor=s value=1\n");
        Decoder roomy = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20);
        Envelope many = roomy.decode(new Incoming("plant", lines.toString().getBytes(StandardCharsets.UTF_8), NOW,
                io.sensorflow.codec.InfluxCodec.FORMAT.codec(io.sensorflow.codec.PayloadMapping.defaults()),
                new TopicMatch("sensors/a/t", "a", "t", Map.of()), Acknowledgement.NONE));
        assertThat(many.readings()).hasSize(1);
        assertThat(many.deadLetters()).hasSize(101);
        assertThat(many.deadLetters().get(100).reason()).isEqualTo("too-many-rejections");
        assertThat(many.deadLetters().get(100).detail()).startsWith("150 more elements");
        assertThat(many.deadLetters()).allSatisfy(letter ->
                assertThat(letter.payload()).isSameAs(many.deadLetters().get(0).payload()));
        assertThat(metrics.decodeErrors("plant", "wrong-type").get()).isEqualTo(250.0);
        assertThat(many.rejections()).as("what http-push reports").isEqualTo(250);
    }

    @Test
    void readingsOutsideTheSkewWindowAreCappedLikeBadElements() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            // Milliseconds read as nanoseconds would be 1970; these are seconds read as nanoseconds: 1970 too.
            lines.append("t,sensor=s").append(i).append(" value=1 ").append(NOW / 1000).append('\n');
        }
        Decoder roomy = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20);
        Envelope old = roomy.decode(new Incoming("plant", lines.toString().getBytes(StandardCharsets.UTF_8), NOW,
                io.sensorflow.codec.InfluxCodec.FORMAT.codec(io.sensorflow.codec.PayloadMapping.defaults()),
                new TopicMatch("sensors/a/t", "a", "t", Map.of()), Acknowledgement.NONE));
        assertThat(old.readings()).isEmpty();
        assertThat(old.deadLetters()).hasSize(101);
        assertThat(old.deadLetters().get(100).detail()).startsWith("200 more");
        assertThat(metrics.decodeErrors("plant", "past-timestamp").get()).isEqualTo(300.0);
    }

    private Envelope decodeItems(Decoder with, String json) {
        return with.decode(new Incoming("plant", json.getBytes(StandardCharsets.UTF_8), NOW,
                io.sensorflow.codec.JsonCodec.FORMAT.codec(new PayloadMapping("/value", Optional.of("/ts"),
                        Optional.of("/sensor"), Optional.of("/metric"), Optional.of("/items"), Map.of("room", "/room"),
                        Optional.empty(), PayloadMapping.DEFAULT_SENSOR_TAG, Optional.empty())),
                TopicMatch.none("ingest"), Acknowledgement.NONE));
    }

    private static final ReadingLimits LIMITS = new ReadingLimits(20, 2, 30, 1000);

    @Test
    void textEitherStoreWouldRefuseOrThatIsTooLongIsDeadLetteredAndItsNeighboursKept() {
        Decoder strict = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20, LIMITS);
        Envelope mixed = decodeItems(strict, "{\"items\": ["
                + "{\"sensor\": \"ok\", \"metric\": \"t\", \"value\": 1},"
                + "{\"sensor\": \"nul\\u0000\", \"metric\": \"t\", \"value\": 2},"
                + "{\"sensor\": \"half\\ud800\", \"metric\": \"t\", \"value\": 3},"
                + "{\"sensor\": \"" + "x".repeat(21) + "\", \"metric\": \"t\", \"value\": 4},"
                + "{\"sensor\": \"tab\\t\", \"metric\": \"t\", \"value\": 5},"
                + "{\"sensor\": \"room\", \"metric\": \"t\", \"value\": 6, \"room\": \"" + "y".repeat(31) + "\"},"
                + "{\"sensor\": \"emoji\ud83c\udf31\", \"metric\": \"t\", \"value\": 7, \"room\": \"a\\tb\"}"
                + "]}");
        assertThat(mixed.readings()).extracting(io.sensorflow.model.Reading::sensor)
                .containsExactly("ok", "emoji\ud83c\udf31");
        assertThat(mixed.deadLetters()).extracting(DeadLetter::reason).containsExactly("invalid-text",
                "invalid-text", "too-long", "invalid-text", "too-long");
        assertThat(mixed.deadLetters().get(0).detail()).contains("U+0000", "'nul\\u0000'");
        assertThat(mixed.deadLetters()).allSatisfy(letter -> assertThat(letter.detail()).doesNotContain("\u0000"));
        assertThat(mixed.deadLetters().get(1).detail()).contains("unpaired surrogate");
        assertThat(metrics.decodeErrors("plant", "invalid-text").get()).isEqualTo(3.0);
    }

    @Test
    void tooManyTagsAreRefused() {
        Decoder strict = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20, LIMITS);
        Envelope tags = strict.decode(new Incoming("plant", ("t,sensor=a,x=1,y=2,z=3 value=1 " + NOW * 1_000_000)
                .getBytes(StandardCharsets.UTF_8), NOW,
                io.sensorflow.codec.InfluxCodec.FORMAT.codec(io.sensorflow.codec.PayloadMapping.defaults()),
                new TopicMatch("t", null, null, Map.of()), Acknowledgement.NONE));
        assertThat(tags.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("too-many-tags");
            assertThat(letter.detail()).contains("max-tags = 2");
        });
    }

    @Test
    void readingsThatWouldCollapseOntoOneRowAreRefusedNotMergedWithoutAWord() {
        StringBuilder items = new StringBuilder("{\"items\": [");
        for (int i = 0; i < 500; i++) {
            items.append(i == 0 ? "" : ",").append("{\"sensor\": \"a\", \"metric\": \"t\", \"value\": ")
                    .append(i).append('}');
        }
        items.append(",{\"sensor\": \"b\", \"metric\": \"t\", \"value\": 1}]}");
        Decoder strict = new Decoder(metrics, Duration.ofHours(1), Duration.ofDays(30), 1 << 20, LIMITS);
        Envelope same = decodeItems(strict, items.toString());
        assertThat(same.readings()).extracting(io.sensorflow.model.Reading::sensor).containsExactly("a", "b");
        assertThat(same.readings().get(0).value()).as("the first is kept").isEqualTo(0.0);
        assertThat(same.rejections()).isEqualTo(499);
        assertThat(same.deadLetters()).hasSize(101);
        assertThat(same.deadLetters().get(0).reason()).isEqualTo("duplicate-reading");
        assertThat(same.deadLetters().get(0).detail()).contains("reading 2 of 'a' 't'");
        assertThat(metrics.decodeErrors("plant", "duplicate-reading").get()).isEqualTo(499.0);
    }

    @Test
    void jsonWithADuplicateKeyIsRefusedWhole() {
        Envelope twice = decode("{\"value\": 1, \"value\": 2, \"ts\": " + NOW + "}");
        assertThat(twice.readings()).isEmpty();
        assertThat(twice.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("duplicate-key");
            assertThat(letter.detail()).contains("value");
        });
    }
}
