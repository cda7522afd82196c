package io.sensorflow.pipeline;

import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
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
    private final Decoder decoder = new Decoder(metrics, Duration.ofHours(1));

    private Envelope decode(String payload) {
        return decoder.decode(new Incoming("plant", payload.getBytes(StandardCharsets.UTF_8), NOW,
                PayloadFormat.JSON.codec(new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty())),
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
}
