package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RuleEngineTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T08:00:00Z"), ZoneOffset.UTC);
    private final AlertBoard board = new AlertBoard();
    private final Metrics metrics = new Metrics();

    private static Rule tooHot(Duration forDuration) {
        return new Rule("too-hot", Glob.of("*"), Glob.of("temp*"), Condition.compile("value > 30.0").condition(),
                Optional.of(Condition.compile("value < 28.0").condition()), forDuration, Severity.CRITICAL, List.of("fan"));
    }

    private static Reading temp(String sensor, double value, long t) {
        return new Reading(sensor, "temperature", value, t, "test");
    }

    @Test
    void emitsFiringAndResolvedWithTheSameEpisodeId() {
        RuleEngine engine = new RuleEngine(List.of(tooHot(Duration.ZERO)), clock, board, metrics);
        List<AlertEvent> fired = engine.onReading(temp("a", 31, 1_000));
        assertThat(fired).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.severity()).isEqualTo("critical");
            assertThat(e.emittedAt()).isEqualTo(clock.millis());
        });
        assertThat(board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.FIRING);

        assertThat(engine.onReading(temp("a", 29, 2_000))).as("hysteresis").isEmpty();
        List<AlertEvent> resolved = engine.onReading(temp("a", 27, 3_000));
        assertThat(resolved).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(e.id()).isEqualTo(fired.get(0).id());
            assertThat(e.since()).isEqualTo(1_000);
        });
        assertThat(board.snapshot()).isEmpty();
    }

    @Test
    void keepsStateSeparatePerSensor() {
        RuleEngine engine = new RuleEngine(List.of(tooHot(Duration.ZERO)), clock, board, metrics);
        assertThat(engine.onReading(temp("a", 31, 1_000))).hasSize(1);
        assertThat(engine.onReading(temp("b", 31, 1_000))).hasSize(1);
        assertThat(engine.onReading(temp("a", 32, 2_000))).isEmpty();
        assertThat(board.snapshot()).extracting(AlertStatus::sensor).containsExactly("a", "b");
    }

    @Test
    void ignoresReadingsTheRuleDoesNotMatch() {
        RuleEngine engine = new RuleEngine(List.of(tooHot(Duration.ZERO)), clock, board, metrics);
        assertThat(engine.onReading(new Reading("a", "humidity", 99, 1_000, "test"))).isEmpty();
        assertThat(board.snapshot()).isEmpty();
    }

    @Test
    void showsPendingAlertsOnTheBoardWithoutEmittingEvents() {
        RuleEngine engine = new RuleEngine(List.of(tooHot(Duration.ofSeconds(10))), clock, board, metrics);
        assertThat(engine.onReading(temp("a", 31, 0))).isEmpty();
        assertThat(board.snapshot()).singleElement().extracting(AlertStatus::state).isEqualTo(AlertState.PENDING);
        assertThat(engine.onReading(temp("a", 31, 10_000))).singleElement()
                .extracting(AlertEvent::state).isEqualTo(AlertState.FIRING);
    }

    @Test
    void aConditionThatFailsAtRunTimeIsCountedAndKeepsTheState() {
        Rule byTag = new Rule("by-tag", Glob.of("*"), Glob.of("*"), Condition.compile("tags['x'] == 'y'").condition(),
                Optional.empty(), Duration.ZERO, Severity.INFO, List.of());
        RuleEngine engine = new RuleEngine(List.of(byTag), clock, board, metrics);
        assertThat(engine.onReading(temp("a", 1, 1_000))).isEmpty();
        assertThat(metrics.ruleErrors("by-tag").get()).isEqualTo(1.0);
    }

    @Test
    void episodeIdsAreStableAcrossEngines() {
        assertThat(RuleEngine.episodeId("r", "s", "m", 5)).isEqualTo(RuleEngine.episodeId("r", "s", "m", 5))
                .isNotEqualTo(RuleEngine.episodeId("r", "s", "m", 6));
    }
}
