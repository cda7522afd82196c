package io.sensorflow.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCommandTest {

    @TempDir
    Path dir;

    private Path rules() throws IOException {
        Path file = dir.resolve("rules.conf");
        Files.writeString(file, """
                sensorflow {
                  rules {
                    hot { match { metric = t }, when = "value > 30.0", for = 2m, actions = [fan] }
                    room-avg { type = window, window = 10m, group-by = room, when = "value > 25.0" }
                  }
                  actions { fan { type = mqtt, source = plant, topic = "fans/{{sensor}}", payload = "{{state}}" } }
                }
                """);
        return file;
    }

    private String[] replay(String... args) {
        ReplayCommand command = new ReplayCommand();
        new CommandLine(command).parseArgs(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = command.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{String.valueOf(exit), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void replaysJsonLinesInEventTimeAndPrintsTransitionsWithTheirActions() throws IOException {
        Path input = dir.resolve("readings.jsonl");
        Files.writeString(input, """
                {"sensor": "s1", "metric": "t", "value": 31, "timestamp": "2026-01-01T00:00:00Z", "tags": {"room": "lab"}}
                {"sensor": "s1", "metric": "t", "value": 32, "timestamp": 1767225660000, "tags": {"room": "lab"}}
                not json
                {"sensor": "s1", "metric": "t", "value": 33, "timestamp": "2026-01-01T00:02:00Z", "tags": {"room": "lab"}}

                {"sensor": "s1", "metric": "t", "value": 20, "timestamp": "2026-01-01T00:15:00Z", "tags": {"room": "lab"}}
                """);
        String[] r = replay("--config", rules().toString(), "--input", input.toString());
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("2026-01-01T00:02:00Z hot firing sensor=s1 metric=t value=33.0\n"
                        + "    -> fan {")
                .contains("topic=fans/s1").contains("payload=firing")
                .contains("2026-01-01T00:10:00Z room-avg firing group=lab value=32.0")
                .contains("2026-01-01T00:15:00Z hot resolved sensor=s1 metric=t value=20.0")
                .contains("replayed 4 readings").contains("skipped 1 bad lines")
                .containsPattern("hot +1 firing +1 resolved")
                .contains("actions were not executed (use --execute-actions)");
        assertThat(r[2]).contains(input + ":3: skipped: malformed JSON");
    }

    @Test
    void replaysCsvWithExtraColumnsAsTagsAndCountsLateReadings() throws IOException {
        Path input = dir.resolve("readings.csv");
        Files.writeString(input, """
                sensor,metric,value,timestamp,room
                s1,t,31,2026-01-01T00:00:00Z,lab
                s1,t,31,2026-01-01T00:02:00Z,lab
                s1,t,10,2026-01-01T00:01:00Z,lab
                s1,t,oops,2026-01-01T00:03:00Z,lab
                """);
        String[] r = replay("--config", rules().toString(), "--input", input.toString(), "--quiet");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).doesNotContain("-> fan").contains("replayed 3 readings")
                .containsPattern("hot +1 firing +0 resolved")
                .contains("late readings ignored: 1");
        assertThat(r[2]).contains(input + ":5: skipped: value 'oops' is not a number");
    }

    @Test
    void refusesToExecuteMqttActionsWithoutTheirSource() throws IOException {
        Path input = dir.resolve("readings.jsonl");
        Files.writeString(input, "{\"sensor\": \"s1\", \"metric\": \"t\", \"value\": 1, \"timestamp\": 0}\n");
        String[] r = replay("--config", rules().toString(), "--input", input.toString(), "--execute-actions");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("action fan publishes through source 'plant', which this config does not define");
    }

    @Test
    void anUnknownFileFormatIsAClearError() throws IOException {
        Path input = dir.resolve("readings.xml");
        Files.writeString(input, "<readings/>");
        String[] r = replay("--config", rules().toString(), "--input", input.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("unknown format; use .jsonl (or .ndjson) or .csv");
    }

    @Test
    void aReplayShowsWhatAWebhookWouldSendAndNeverCallsIt() throws Exception {
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        receiver.createContext("/", exchange -> {
            calls.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        try {
            Path config = dir.resolve("hook.conf");
            Files.writeString(config, """
                    sensorflow {
                      rules.hot { match { metric = t }, when = "value > 30.0", actions = [hook] }
                      actions.hook { type = webhook, url = "http://127.0.0.1:%d/hook", body = "{{rule}} {{state}}" }
                    }
                    """.formatted(receiver.getAddress().getPort()));
            Path input = dir.resolve("hot.jsonl");
            Files.writeString(input, """
                    {"sensor": "s1", "metric": "t", "value": 31, "timestamp": "2026-01-01T00:00:00Z"}
                    {"sensor": "s1", "metric": "t", "value": 20, "timestamp": "2026-01-01T00:01:00Z"}
                    """);
            String[] r = replay("--config", config.toString(), "--input", input.toString());
            assertThat(r[0]).isEqualTo("0");
            assertThat(r[1]).contains("-> hook {").contains("body=hot firing").contains("body=hot resolved")
                    .contains("actions were not executed");
            assertThat(calls.get()).as("the receiver was never called").isZero();
        } finally {
            receiver.stop(0);
        }
    }
}
