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
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo("OK");
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
    void warnsAboutARootKeyThatNothingReadsAndStillSaysOk() throws Exception {
        Path file = dir.resolve("typo.conf");
        Files.writeString(file, "include \"" + Path.of("config/sensorflow.conf").toAbsolutePath() + "\"\n"
                + "sensorfow.http.port = 9090\n");
        int exit = SensorflowCommand.commandLine().execute("check", "--config", file.toString());
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                file + ":2: sensorfow: warning: a root key that nothing reads; sensorflow reads `sensorflow { }`, "
                        + "Pekko `pekko { }`",
                "OK");
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
                "OK");
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
                assertThat(out.toString(StandardCharsets.UTF_8).lines()).as(example.toString()).containsExactly("OK");
                assertThat(exit).isZero();
            }
        }
    }
}
