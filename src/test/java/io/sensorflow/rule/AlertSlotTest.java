package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AlertSlotTest {

    private static final String HOT = """
            hot { when = "value > 30.0", actions = [fan, { action = page, on = [firing], repeat-every = 1m }] }
            """;

    private static AlertSlot slot(String rules, AlertKey key) {
        return new AlertSlot(new RuleRuntime(RuleHarness.parse(rules).get(0)), key, null);
    }

    private static AlertSlot firing() {
        AlertSlot slot = slot(HOT, AlertKey.series("a", "t"));
        slot.life = new Lifecycle.State(AlertState.FIRING, 1_000, 5_000, 6_000, 6_500);
        slot.episodeId = "episode";
        slot.episodeSince = 1_000;
        slot.lastNotified = 1_200;
        slot.firedAt = 1_200;
        slot.repeats = new long[] {0, 3};
        slot.muted = "silence s-1";
        slot.value = 31.5;
        slot.tags = Map.of("room", "lab");
        return slot;
    }

    @Test
    void aStoredStateReadBackIsTheSameAlert() {
        RuleState stored = firing().toState();
        AlertSlot restored = slot(HOT, AlertKey.series("a", "t"));
        restored.restore(stored);
        assertThat(restored).usingRecursiveComparison().comparingOnlyFields("life", "episodeId", "episodeSince",
                "lastNotified", "firedAt", "repeats", "muted", "value", "tags").isEqualTo(firing());
        assertThat(restored.toState()).usingRecursiveComparison().isEqualTo(stored);
    }

    @Test
    void repeatCountsStoredForAnotherListOfActionsAreDropped() {
        RuleState stored = firing().toState();
        AlertSlot restored = slot("""
                hot { when = "value > 30.0", actions = [{ action = page, on = [firing], repeat-every = 1m }] }
                """, AlertKey.series("a", "t"));
        restored.restore(stored);
        assertThat(restored.repeats).isNull();
    }

    @Test
    void anAlertOfAGroupedRuleCarriesItsGroupAsItsTags() {
        AlertSlot grouped = slot("""
                avg { type = window, window = 10m, group-by = room, when = "value > 30.0" }
                """, AlertKey.group("lab"));
        grouped.remember(new Reading("s-1", "t", 31, 0, Map.of("room", "lab", "floor", "2"), "test"));
        assertThat(grouped.alertTags()).isEqualTo(Map.of("room", "lab"));
        assertThat(grouped.label()).isEqualTo("room=lab");

        AlertSlot series = slot(HOT, AlertKey.series("s-1", "t"));
        series.remember(new Reading("s-1", "t", 31, 0, Map.of("room", "lab", "floor", "2"), "test"));
        assertThat(series.alertTags()).isEqualTo(Map.of("room", "lab", "floor", "2"));
    }
}
