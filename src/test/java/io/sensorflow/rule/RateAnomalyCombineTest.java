package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RateAnomalyCombineTest {

    @Test
    void rateIsChangePerUnitOverTheWindowWithIrregularSampling() {
        RuleHarness h = new RuleHarness("""
                rising { type = rate, window = 10m, per = 1m, when = "value > 2.0" }
                """);
        assertThat(h.read("a", "t", 20, 0)).as("one sample: unknown").isEmpty();
        assertThat(h.read("a", "t", 20.5, 30_000)).as("1.0 per minute").isEmpty();
        // 20 -> 26 in 2.5 minutes is 2.4 per minute, however unevenly the samples came.
        List<AlertEvent> events = h.read("a", "t", 26, 150_000);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.value()).isCloseTo(2.4, Offset.offset(1e-9));
            assertThat(e.inputs()).containsEntry("reading", 26.0).containsEntry("samples", 3L);
        });
    }

    @Test
    void rateForgetsReadingsOlderThanTheWindow() {
        RuleHarness h = new RuleHarness("""
                rising { type = rate, window = 1m, when = "value > 1.0" }
                """);
        h.read("a", "t", 0, 0);
        h.read("a", "t", 100, 10_000);
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);
        h.read("a", "t", 100, 70_001);
        h.read("a", "t", 100, 80_000);
        assertThat(h.board.snapshot()).as("only the flat part is left in the window").isEmpty();
    }

    @Test
    void slopeIsTheLeastSquaresFit() {
        RuleHarness h = new RuleHarness("""
                rising { type = rate, method = slope, window = 1h, when = "value > 0.5 && samples >= 3" }
                """);
        h.read("a", "t", 0, 0);
        h.read("a", "t", 3, 1_000);
        List<AlertEvent> events = h.read("a", "t", 2, 2_000);
        // Points (0,0) (1,3) (2,2): slope = 1.0 per second.
        assertThat(events).singleElement().satisfies(e -> assertThat(e.value()).isCloseTo(1.0, Offset.offset(1e-9)));
    }

    @Test
    void anomalyWaitsForItsWarmUpThenFlagsOutliers() {
        RuleHarness h = new RuleHarness("""
                odd { type = anomaly, method = rolling, window = 1h, k = 3.0, warm-up = 10 }
                """);
        double[] normal = {20, 21, 19, 20, 22, 18, 20, 21, 19, 20};
        for (int i = 0; i < normal.length; i++) {
            assertThat(h.read("a", "t", normal[i], i * 1_000L)).isEmpty();
        }
        assertThat(h.read("a", "t", 21, 10_000)).as("within 3 sigma").isEmpty();
        List<AlertEvent> outlier = h.read("a", "t", 40, 11_000);
        assertThat(outlier).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat((Double) e.inputs().get("z")).isGreaterThan(3.0);
            assertThat((Double) e.inputs().get("mean")).isCloseTo(20.1, Offset.offset(0.01));
        });
    }

    @Test
    void anomalyDoesNotJudgeBeforeWarmUp() {
        RuleHarness h = new RuleHarness("""
                odd { type = anomaly, half-life = 1m, warm-up = 5 }
                """);
        for (int i = 0; i < 5; i++) {
            h.read("a", "t", 20, i * 1_000L);
        }
        assertThat(h.events).isEmpty();
        assertThat(h.read("a", "t", 1_000, 5_000)).as("flat baseline: any change is infinitely unusual")
                .singleElement().extracting(AlertEvent::state).isEqualTo(AlertState.FIRING);
    }

    @Test
    void ewmaBaselineFollowsASlowDrift() {
        RuleHarness h = new RuleHarness("""
                odd { type = anomaly, half-life = 30s, warm-up = 10, k = 4.0 }
                """);
        // A slow ramp with a little noise never looks anomalous.
        for (int i = 0; i < 600; i++) {
            h.read("a", "t", 20 + i * 0.01 + (i % 2 == 0 ? 0.2 : -0.2), i * 1_000L);
        }
        assertThat(h.events).isEmpty();
    }

    @Test
    void combineJudgesTheLatestValueOfEveryMetricOfAGroup() {
        RuleHarness h = new RuleHarness("""
                muggy {
                  type = combine, group-by = room, metrics = [temperature, humidity], max-age = 5m
                  when = "temperature > 30.0 && humidity > 70.0"
                  actions = [fan]
                }
                """);
        Map<String, String> lab = Map.of("room", "lab");
        assertThat(h.read("t1", "temperature", 32, 0, lab)).as("humidity unknown").isEmpty();
        assertThat(h.read("h1", "humidity", 75, 10_000, lab)).singleElement().satisfies(e -> {
            assertThat(e.group()).isEqualTo("lab");
            assertThat(e.inputs()).containsEntry("temperature", 32.0).containsEntry("humidity", 75.0);
            assertThat(e.actions()).containsExactly("fan");
        });
        assertThat(h.read("h1", "humidity", 60, 20_000, lab)).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void aStaleInputMakesCombineUnknownNotFalse() {
        RuleHarness h = new RuleHarness("""
                muggy {
                  type = combine, metrics = [temperature, humidity], max-age = 1m
                  when = "temperature > 30.0 && humidity > 70.0"
                }
                """);
        h.read("s", "temperature", 32, 0);
        h.read("s", "humidity", 75, 1_000);
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);
        // Humidity goes silent; temperature drops. Without fresh humidity the rule cannot say it cleared.
        assertThat(h.read("s", "temperature", 20, 61_001)).isEmpty();
        assertThat(h.board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);
        assertThat(h.read("s", "humidity", 75, 62_000)).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.RESOLVED);
    }

    @Test
    void combineIgnoresMetricsItDoesNotList() {
        RuleHarness h = new RuleHarness("""
                muggy { type = combine, metrics = [temperature, humidity], when = "temperature > 30.0" }
                """);
        h.read("s", "pressure", 1000, 0);
        assertThat(h.engine.onTick()).isEmpty();
        assertThat(h.board.snapshot()).isEmpty();
    }
}
