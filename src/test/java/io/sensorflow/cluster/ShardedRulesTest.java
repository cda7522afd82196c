package io.sensorflow.cluster;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Groups;
import io.sensorflow.rule.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class ShardedRulesTest {

    private static final int SHARDS = 8;

    private static Groups groups(String rules) {
        List<Rule> parsed = List.copyOf(ConfigLoader.bind(ConfigFactory.parseString("sensorflow { rules { " + rules
                + " } }"), ConfigLoader.Scope.RULES).rules().values());
        return Groups.of(parsed);
    }

    /** A sensor name whose shard is, or is not, {@code shard}. */
    private static String sensorIn(int shard, boolean same) {
        return IntStream.range(0, 1_000).mapToObj(i -> "s-" + i)
                .filter(s -> (ShardedRules.shardOf(s, SHARDS) == shard) == same).findFirst().orElseThrow();
    }

    @Test
    void aReadingGoesToItsSensorsShardToStoreAndToItsGroupsShardToJudgeOnce() {
        Groups groups = groups("""
                room-hot { type = window, window = 1m, group-by = room, when = "value > 30.0" }
                room-max { type = window, window = 1m, aggregate = max, group-by = room, when = "value > 40.0" }
                hot { when = "value > 30.0" }
                """);
        int lab = ShardedRules.shardOf(new AlertKey("", "t", "lab"), SHARDS);
        String elsewhere = sensorIn(lab, false);
        String inLab = sensorIn(lab, true);
        Reading a = new Reading(elsewhere, "t", 40, 0, Map.of("room", "lab"), "test");
        Reading b = new Reading(inLab, "t", 35, 0, Map.of("room", "lab"), "test");
        Reading c = new Reading(elsewhere, "t", 20, 1, Map.of(), "test");

        ShardedRules.Part[] parts = ShardedRules.split(List.of(a, b, c), groups, SHARDS);

        ShardedRules.Part own = parts[ShardedRules.shardOf(elsewhere, SHARDS)];
        assertThat(own.readings()).containsExactly(a, c);
        assertThat(own.judgedOnly().isEmpty()).as("its own sensor's, to store").isTrue();
        ShardedRules.Part group = parts[lab];
        assertThat(group.readings()).as("once for both rules, in the order received").containsExactly(a, b);
        assertThat(group.judgedOnly().get(0)).as("another shard stores it").isTrue();
        assertThat(group.judgedOnly().get(1)).as("the shard's own sensor").isFalse();
        long used = java.util.Arrays.stream(parts).filter(java.util.Objects::nonNull).count();
        assertThat(used).isEqualTo(2);
    }

    @Test
    void withoutGroupedRulesEachReadingGoesOnlyToItsSensorsShard() {
        Groups none = groups("hot { when = \"value > 30.0\" }");
        List<Reading> readings = IntStream.range(0, 100).mapToObj(i -> new Reading("s-" + i, "t", i, i,
                Map.of("room", "lab"), "test")).toList();
        ShardedRules.Part[] parts = ShardedRules.split(readings, none, SHARDS);
        int total = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            if (parts[shard] != null) {
                int s = shard;
                assertThat(parts[shard].readings()).allMatch(r -> ShardedRules.shardOf(r.sensor(), SHARDS) == s);
                assertThat(parts[shard].judgedOnly().isEmpty()).isTrue();
                total += parts[shard].readings().size();
            }
        }
        assertThat(total).isEqualTo(100);
    }
}
