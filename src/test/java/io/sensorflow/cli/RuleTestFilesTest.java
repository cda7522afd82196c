package io.sensorflow.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class RuleTestFilesTest {

    @TempDir
    Path dir;

    private static String run(List<Path> files, int expectedExit) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = TestCommand.run(files, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isEqualTo(expectedExit);
        return out;
    }

    @Test
    void everyShippedRuleTestPasses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(Path.of("config"))) {
            files = walk.filter(p -> p.toString().endsWith(".test.conf")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        String out = run(files, 0);
        assertThat(out).doesNotContain("FAIL").contains(" passed, 0 failed");
    }

    @Test
    void aWrongExpectationFailsAndShowsExpectedAgainstGot() throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                sensorflow {
                  rules { hot { when = "value > 30.0", for = 1m, actions = [fan] } }
                  actions { fan { type = mqtt, source = plant, topic = "fans/{{sensor}}", payload = "{{state}}" } }
                }
                """);
        Path test = dir.resolve("rules.test.conf");
        Files.writeString(test, """
                rules = "rules.conf"
                tests = [{
                  name = "fires after a minute"
                  readings = [ { at = 0s, sensor = s1, metric = t, values = [31, 31, 31], every = 30s } ]
                  expect = [ { at = 30s, rule = hot, sensor = s1, state = firing,
                               actions = [ { action = fan, topic = "fans/s1", payload = "resolved" } ] } ]
                }, {
                  name = "right"
                  readings = [ { at = 0s, sensor = s1, metric = t, values = [31, 31, 31], every = 30s } ]
                  expect = [ { at = 1m, rule = hot, state = firing, actions = [ { action = fan, payload = "firing" } ] } ]
                }]
                """);
        String out = run(List.of(test), 1);
        assertThat(out).contains("FAIL " + test + ": fires after a minute")
                .contains("at differs")
                .contains("expected: at=30s rule=hot sensor=s1 state=firing")
                .contains("got:      at=1m rule=hot sensor=s1 metric=t state=firing value=31.0")
                .contains("PASS " + test + ": right")
                .contains("1 passed, 1 failed");
    }

    @Test
    void aBrokenTestFileIsReportedWithFileAndLine() throws IOException {
        Files.writeString(dir.resolve("rules.conf"), "sensorflow { rules { hot { when = \"value > 1.0\" } } }\n");
        Path test = dir.resolve("bad.test.conf");
        Files.writeString(test, """
                rules = "rules.conf"
                tests = [{
                  name = "typo"
                  readings = [ { at = 0s, sensor = s1, metric = t, valeu = 3 } ]
                  expect = [ { at = 0s, rule = hot, state = burning } ]
                }]
                """);
        String out = run(List.of(test), 1);
        assertThat(out).contains("ERROR " + test)
                .contains(test + ":4: tests.0.readings.0.valeu: unknown key")
                .contains(test + ":5: tests.0.expect.0.state: must be firing or resolved");
    }
}
