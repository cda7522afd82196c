package io.sensorflow.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CheckCommandTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void printsOkAndExitsZeroForAValidConfig() {
        int exit = SensorflowCommand.commandLine().execute("check", "--config", "config/sensorflow.conf");
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).trim())
                .isEqualTo("OK: 3 sources, 1 rule, 2 actions in config/sensorflow.conf");
    }

    @Test
    void printsOneFileLineKeyMessageLinePerProblemAndExitsOne() throws Exception {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "sensorflow {\n  http.port = -1\n  rules.r { when = \"value >> 3\" }\n}\n");
        int exit = SensorflowCommand.commandLine().execute("check", "--config", file.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).as("sorted by line").containsExactly(
                file + ":1: sensorflow.sources: at least one source is required",
                file + ":2: sensorflow.http.port: must be between 0 and 65535, got -1",
                file + ":3: sensorflow.rules.r.when: " + io.sensorflow.rule.Condition.compile("value >> 3").error());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("3 problems").doesNotContain("Exception");
    }

    @Test
    void resolvesIncludesAgainstTheIncludingFileWhateverTheWorkingDirectory() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("conf/rules"));
        Files.writeString(rules.resolve("hot.conf"), "include \"actions.conf\"\n"
                + "sensorflow.rules.hot { match.metric = t, when = \"value > 1.0\", actions = [audit] }\n");
        Files.writeString(rules.resolve("actions.conf"), "sensorflow.actions.audit.type = log\n");
        Path main = dir.resolve("conf/main.conf");
        Files.writeString(main, "sensorflow.sources.demo.type = simulator\ninclude \"rules/hot\"\n");

        var fromElsewhere = io.sensorflow.app.ConfigLoader.load(main);
        // LauncherIT runs `check` on a bare file name from the config's own directory, which a JVM cannot chdir to.
        var relative = io.sensorflow.app.ConfigLoader.load(Path.of("").toAbsolutePath().relativize(main));

        assertThat(fromElsewhere.rules()).containsOnlyKeys("hot");
        assertThat(fromElsewhere.actions()).containsOnlyKeys("audit");
        assertThat(relative.rules()).containsOnlyKeys("hot");
    }

    @Test
    void aMissingIncludeIsAProblemNamingTheFileAndLine() throws Exception {
        Path file = dir.resolve("main.conf");
        Files.writeString(file, "# rules\nsensorflow.sources.demo.type = simulator\n  include \"rules/nope.conf\"\n"
                + "include file(\"" + dir.resolve("gone.conf") + "\")\n");
        int exit = SensorflowCommand.commandLine().execute("check", "--config", file.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                file + ":3: include: includes " + dir.resolve("rules/nope.conf") + ", which does not exist (an "
                        + "include is relative to the directory of the file that holds it, " + dir + ")",
                file + ":4: include: includes " + dir.resolve("gone.conf") + ", which does not exist (an "
                        + "include is relative to the directory of the file that holds it, " + dir + ")");
    }

    @Test
    void systemPropertiesUnderSensorflowWinOverTheFileAndAreCheckedLikeIt() {
        System.setProperty("sensorflow.http.port", "9091");
        try {
            assertThat(io.sensorflow.app.ConfigLoader.load(Path.of("config/sensorflow.conf")).http().port())
                    .isEqualTo(9091);
            System.setProperty("sensorflow.htp.port", "1");
            int exit = SensorflowCommand.commandLine().execute("check", "--config", "config/sensorflow.conf");
            assertThat(exit).isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("system properties:?: sensorflow.htp: "
                    + "unknown key");
        } finally {
            System.clearProperty("sensorflow.http.port");
            System.clearProperty("sensorflow.htp.port");
        }
    }

    @Test
    void anIncludeCycleIsAProblemNotAStackOverflow() throws Exception {
        Path a = dir.resolve("a.conf");
        Files.writeString(dir.resolve("b.conf"), "include \"a.conf\"\n");
        Files.writeString(a, "sensorflow.sources.demo.type = simulator\ninclude \"b.conf\"\n");
        int exit = SensorflowCommand.commandLine().execute("check", "--config", a.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(dir.resolve("b.conf") + ":1: include: includes "
                + a + ", which is already being included: an include cycle");
    }

    @Test
    void warnsAboutARootKeyThatNothingReadsAndStillSaysOk() throws Exception {
        Path file = dir.resolve("typo.conf");
        Files.writeString(file, "include \"" + Path.of("config/sensorflow.conf").toAbsolutePath() + "\"\n"
                + "sensorfow.http.port = 9090\n");
        int exit = SensorflowCommand.commandLine().execute("check", "--config", file.toString());
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                file + ":2: sensorfow: warning: a root key that nothing reads; sensorflow reads `sensorflow { }`, "
                        + "Pekko `pekko { }`",
                "OK: 3 sources, 1 rule, 2 actions in " + file);
    }

    @Test
    void aRootKeyThatASubstitutionNamesIsAVariableNotAWarning() throws Exception {
        Path file = dir.resolve("vars.conf");
        Files.writeString(file, """
                site = "http://127.0.0.1:8090"
                site = ${?SENSORFLOW_TEST_UNSET_SITE}
                sensorflow.sources.p.type = http-poll
                sensorflow.sources.p.urls = [ { url = ${site}"/a", fixed { sensor = a, metric = m } } ]
                sitte = "a typo, named by nothing"
                """);
        int exit = SensorflowCommand.commandLine().execute("check", "--config", file.toString());
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                file + ":5: sitte: warning: a root key that nothing reads; sensorflow reads `sensorflow { }`, "
                        + "Pekko `pekko { }`",
                "OK: 1 source, 0 rules, 0 actions in " + file);
    }

    @Test
    void everyExampleUnderConfigExamplesChecksOkWithoutAWarning() throws Exception {
        // A new user copies these: a warning on the first check would be the first thing they have to ignore.
        try (java.util.stream.Stream<Path> files = Files.list(Path.of("config/examples"))) {
            List<Path> examples = files.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
            assertThat(examples).isNotEmpty();
            for (Path example : examples) {
                out.reset();
                int exit = SensorflowCommand.commandLine().execute("check", "--config", example.toString());
                assertThat(out.toString(StandardCharsets.UTF_8).lines()).as(example.toString()).singleElement()
                        .asString().startsWith("OK: ");
                assertThat(exit).isZero();
            }
        }
    }
}
