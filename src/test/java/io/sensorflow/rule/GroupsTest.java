package io.sensorflow.rule;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GroupsTest {

    private static List<AlertKey> keysOf(Groups groups, Reading reading) {
        List<AlertKey> keys = new ArrayList<>();
        groups.of(reading, keys::add);
        return keys;
    }

    @Test
    void aReadingCountsForTheGroupOfEachGroupedRuleThatTakesIt() {
        Groups groups = Groups.of(RuleHarness.parse("""
                hot { when = "value > 30.0" }
                room-hot { type = window, window = 1m, group-by = room, when = "value > 30.0" }
                floor-dry { type = window, window = 1m, group-by = floor, match { metric = humidity }, when = "value < 20.0" }
                lab-only { type = window, window = 1m, group-by = floor, match { tags { room = lab } }, when = "value > 1.0" }
                """));
        assertThat(groups.isEmpty()).isFalse();
        Reading lab = new Reading("s1", "temperature", 21, 0, Map.of("room", "lab", "floor", "2"), "test");
        assertThat(keysOf(groups, lab)).as("room-hot, then lab-only; floor-dry takes only humidity")
                .containsExactly(new AlertKey("", "temperature", "lab"), new AlertKey("", "temperature", "2"));
        assertThat(keysOf(groups, new Reading("s2", "humidity", 10, 0, Map.of("floor", "3"), "test")))
                .as("no room tag: room-hot has no group for it").containsExactly(new AlertKey("", "humidity", "3"));
        assertThat(keysOf(groups, Reading.ofState("door", "temperature", "open", 0, Map.of("room", "lab"), "test")))
                .as("windows take no state readings").isEmpty();
    }

    @Test
    void rulesWithoutGroupByMakeNoGroups() {
        Groups groups = Groups.of(RuleHarness.parse("""
                hot { when = "value > 30.0" }
                silent { type = deadman, after = 1m }
                """));
        assertThat(groups.isEmpty()).isTrue();
        assertThat(keysOf(groups, new Reading("s1", "t", 40, 0, Map.of("room", "lab"), "test"))).isEmpty();
    }
}
