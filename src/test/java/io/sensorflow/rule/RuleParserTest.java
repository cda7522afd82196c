package io.sensorflow.rule;

import io.sensorflow.app.ConfigLoader;
import io.sensorflow.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RuleParserTest {

    @TempDir
    Path dir;

    private List<String> problems(String rules) throws IOException {
        Path file = dir.resolve("rules.conf");
        Files.writeString(file, "sensorflow {\n  actions { fan { type = log } }\n  rules {\n" + rules + "\n  }\n}\n");
        try {
            ConfigLoader.load(file, ConfigLoader.Scope.RULES);
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().replace(file.toString(), "F")).toList();
        }
        return List.of();
    }

    @Test
    void everyRuleTypeParsesWithItsOwnKeys() throws IOException {
        assertThat(problems("""
                a { type = threshold, when = "value > 1.0" }
                b { type = window, window = 5m, every = 1m, aggregate = p95, group-by = room, allowed-lateness = 30s, when = "value > 1.0 && count > 3" }
                c { type = rate, window = 10m, per = 1m, method = slope, when = "value > 1.0" }
                d { type = deadman, after = 5m, sensors = [gw-1] }
                e { type = anomaly, method = rolling, window = 1h, k = 4.0 }
                f { type = combine, metrics = [temperature, humidity], group-by = room, when = "temperature > 30.0 && values['humidity'] > 70.0" }
                g { when = "value > 1.0", actions = [fan, { action = fan, on = [firing], repeat-every = 10m }], cooldown = 5m, clear-for = 1m, match { tags { room = "lab*" } } }
                """)).isEmpty();
    }

    @Test
    void reportsEveryMistakeWithLineAndKey() throws IOException {
        List<String> problems = problems("""
                a { type = trend, when = "value > 1.0" }
                b { type = window, when = "value > 1.0" }
                c { type = window, window = 5m, every = 2m, when = "value > 1.0" }
                d { type = deadman, after = 5m, when = "value > 1.0" }
                e { type = anomaly, method = rolling, window = 1h, half-life = 5m }
                f { type = combine, metrics = [temperature], when = "temperature > 1.0" }
                g { type = combine, metrics = [temperature, humidity], when = "pressure > 1.0" }
                h { type = rate, window = 1m, when = "count > 1" }
                i { when = "value > 1.0", actions = [ { action = fan, on = [sometimes] } ] }
                j { when = "value > 1.0", actions = [ { action = fan, on = [resolved], repeat-every = 1m } ] }
                k { type = window, window = 1m, aggregate = median, when = "value > 1.0" }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.rules.a.type: unknown rule type 'trend'; one of threshold, window, rate, deadman, anomaly, combine"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:5: sensorflow.rules.b.window: is required but missing"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:6: sensorflow.rules.c.every: must divide window"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:7: sensorflow.rules.d.when: does not apply to deadman rules"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:8: sensorflow.rules.e.half-life: applies to method = ewma"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:9: sensorflow.rules.f.metrics: must list at least two metrics"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:10: sensorflow.rules.g.when: CEL does not compile").contains("pressure"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:11: sensorflow.rules.h.when: CEL does not compile").contains("count"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:12: sensorflow.rules.i.actions.0.on: must list firing and/or resolved, got 'sometimes'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:13: sensorflow.rules.j.actions.0.repeat-every: repeats the firing actions"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:14: sensorflow.rules.k.aggregate: must be one of avg, min, max"));
        assertThat(problems).hasSize(11);
    }
}
