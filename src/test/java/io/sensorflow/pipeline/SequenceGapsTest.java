package io.sensorflow.pipeline;

import io.sensorflow.model.Reading;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Envelope;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceGapsTest {

    private final Metrics metrics = new Metrics();
    private final SequenceGaps gaps = new SequenceGaps("seq", 1000, metrics);

    private static Reading numbered(String source, String sensor, String metric, long seq) {
        return new Reading(sensor, metric, 1, 1_000 + seq, Map.of("seq", Long.toString(seq), "room", "a"), source);
    }

    private Envelope feed(Reading... readings) {
        return gaps.track(Envelope.of(List.of(readings), Acknowledgement.NONE));
    }

    private long count(String source, String kind) {
        return (long) metrics.sequence(source, kind).get();
    }

    @Test
    void aJumpForwardCountsTheNumbersSkippedForThatSensorOnly() {
        for (long seq : new long[] {1, 2, 3, 7, 8, 10}) {
            feed(numbered("mqtt", "s1", "t", seq));
        }
        for (long seq = 1; seq <= 10; seq++) {
            feed(numbered("mqtt", "s2", "t", seq));
        }

        assertThat(count("mqtt", "gap")).isEqualTo(2);
        assertThat(metrics.sequenceMissing("mqtt").get()).isEqualTo(4.0);
        assertThat(gaps.shown().get("mqtt")).singleElement().satisfies(s -> {
            assertThat(s.sensor()).isEqualTo("s1");
            assertThat(s.gaps()).isEqualTo(2);
            assertThat(s.missing()).isEqualTo(4);
            assertThat(s.lastGapAt()).isEqualTo(1_010);
        });
        assertThat(metrics.sourceCounts("mqtt")).extractingByKey("sequence").asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("gap", 2L)
                .containsEntry("missing", 4L).containsEntry("repeat", 0L);
        assertThat(new String(metrics.scrape(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("sensorflow_sequence_sensor_missing_total{sensor=\"s1\",source=\"mqtt\"} 4.0");
    }

    @Test
    void theTagIsTakenOffAndOneNumberMayCarrySeveralMetrics() {
        Envelope out = feed(numbered("mqtt", "s1", "t", 1), numbered("mqtt", "s1", "h", 1),
                new Reading("plain", "t", 1, 5, Map.of("room", "b"), "mqtt"));
        feed(numbered("mqtt", "s1", "t", 2), numbered("mqtt", "s1", "h", 2));

        assertThat(out.readings()).hasSize(3).allSatisfy(r -> assertThat(r.tags()).doesNotContainKey("seq"));
        assertThat(out.readings().get(0).tags()).containsEntry("room", "a");
        assertThat(count("mqtt", "gap")).isZero();
        assertThat(count("mqtt", "repeat")).isZero();
    }

    @Test
    void redeliveryIsARepeatAndMovesNothingAndARestartFromOneIsNoGap() {
        for (long seq : new long[] {1, 2, 3, 4, 5, 3, 4, 5, 6, 1, 2, 3}) {
            feed(numbered("mqtt", "s1", "t", seq));
        }

        // 5 again equals the latest: it reads as another reading of the same message, not as a repeat.
        assertThat(count("mqtt", "repeat")).as("3 and 4 again after a reconnect").isEqualTo(2);
        assertThat(count("mqtt", "restart")).isEqualTo(1);
        assertThat(count("mqtt", "gap")).isZero();
    }

    @Test
    void sourcesAreCountedApartAndAnUnreadableNumberKeepsTheReading() {
        feed(numbered("a", "s1", "t", 1));
        feed(numbered("b", "s1", "t", 5));
        feed(numbered("a", "s1", "t", 3));
        Envelope out = feed(new Reading("s1", "t", 1, 9, Map.of("seq", "x7"), "b"));

        assertThat(count("a", "gap")).isEqualTo(1);
        assertThat(count("b", "gap")).isZero();
        assertThat(count("b", "unreadable")).isEqualTo(1);
        assertThat(out.readings()).singleElement().satisfies(r -> assertThat(r.tags()).isEmpty());
    }

    @Test
    void theSensorsShownArePastTheBoundOnlyInTheTotals() {
        for (int i = 0; i < SequenceGaps.SHOWN_SENSORS + 20; i++) {
            feed(numbered("mqtt", "s" + i, "t", 1));
            feed(numbered("mqtt", "s" + i, "t", 3));
        }

        assertThat(gaps.shown().get("mqtt")).hasSize(SequenceGaps.SHOWN_SENSORS);
        assertThat(count("mqtt", "gap")).isEqualTo(SequenceGaps.SHOWN_SENSORS + 20);
    }
}
