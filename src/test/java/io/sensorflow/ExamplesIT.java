package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The configs of config/examples/ as a user meets them: every one passes {@code check} as it stands, and those that
 * need no outside service run from the real jar, do what docs/examples.md says, and answer its shell blocks.
 */
class ExamplesIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final Path EXAMPLES = Path.of("config", "examples");
    private static final Path DOCS = Path.of("docs", "examples.md");
    /** A block of docs/examples.md that runs against the daemon of one example: ```sh example=NAME. */
    private static final Pattern BLOCK = Pattern.compile("^```sh example=(\\S+)\\n(.*?)^```$",
            Pattern.MULTILINE | Pattern.DOTALL);
    /** The variables the examples read, unset for the tests so that a developer's own cannot change them. */
    private static final List<String> VARIABLE_PREFIXES = List.of("SENSORFLOW_", "GREENHOUSE_", "MQTT_BRIDGE_");

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopDaemons() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyExamplePassesCheckAsItStandsWithNoVariablesSet() throws Exception {
        List<Path> examples = examples();
        assertThat(examples).extracting(p -> p.getFileName().toString())
                .contains("greenhouse.conf", "http-push.conf", "mqtt-bridge.conf");
        // All at once: each is a JVM starting, which is most of the time.
        Map<Path, Process> checks = new LinkedHashMap<>();
        for (Path example : examples) {
            checks.put(example, jar(Path.of("."), Map.of(), DAEMONS.dir().resolve(example.getFileName() + ".check"),
                    "check", "--config", example.toString()));
        }
        String docs = Files.readString(DOCS);
        for (Map.Entry<Path, Process> check : checks.entrySet()) {
            assertThat(check.getValue().waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(DAEMONS.dir().resolve(check.getKey().getFileName() + ".check")).strip();
            assertThat(output).as("check of %s", check.getKey()).isEqualTo("OK");
            assertThat(check.getValue().exitValue()).isZero();
            assertThat(docs).as("docs/examples.md has a section for %s", check.getKey())
                    .contains("\n## " + name(check.getKey()) + "\n");
        }
        assertThat(blocks().keySet()).as("every ```sh example=NAME of docs/examples.md names an example")
                .allSatisfy(name -> assertThat(EXAMPLES.resolve(name + ".conf")).exists());
    }

    @Test
    void greenhouseOpensAVentAndPagesWithinAMinuteAndStoresItsZones(MosquittoBroker broker) throws Exception {
        List<String> pages = new CopyOnWriteArrayList<>();
        HttpServer ntfy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ntfy.createContext("/greenhouse", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            var headers = exchange.getRequestHeaders();
            pages.add(headers.getFirst("Title") + " | " + headers.getFirst("Priority") + " | "
                    + headers.getFirst("Content-Type") + " | " + (headers.getFirst("Idempotency-Key") != null) + " | "
                    + body);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        ntfy.start();
        try (TestMqttClient client = new TestMqttClient(broker)) {
            BlockingQueue<TestMqttClient.Received> commands = client.subscribe("greenhouse/actuators/#");
            int port = MosquittoBroker.freePort();
            long start = System.nanoTime();
            start("greenhouse", port, Map.of("SENSORFLOW_MQTT_URL", broker.url(),
                    "GREENHOUSE_NTFY_URL", "http://127.0.0.1:" + ntfy.getAddress().getPort() + "/greenhouse"));
            DaemonExtension.awaitReady(port);
            System.out.printf("greenhouse: ready after %d ms%n", elapsedMs(start));

            List<String> seen = new CopyOnWriteArrayList<>();
            // The seeds make gh-south-1 fire at 26 s and resolve at 50 s, gw-2 fall silent for 20 s at 30 s, and the
            // south zone warm within 45 s of the first readings; the bound leaves room for a slow machine.
            await("the example's first alerts and actions").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        List<TestMqttClient.Received> arrived = new ArrayList<>();
                        commands.drainTo(arrived);
                        arrived.forEach(r -> seen.add(r.topic() + " " + r.payload()));
                        String history = Http.get(port, "/api/v1/alerts/history?limit=1000").body();
                        return seen.contains("greenhouse/actuators/gh-south-1/vents {\"open\": false}")
                                && seen.contains("greenhouse/actuators/zone-south/fans {\"on\": true}")
                                && pages.stream().anyMatch(p -> p.contains("[FIRING] gateway-silent on gw-2"))
                                && history.contains("\"rule\":\"warming-fast\"");
                    });
            System.out.printf("greenhouse: everything seen after %d ms: %s; pages %s%n", elapsedMs(start), seen, pages);

            assertThat(seen).as("the vent opens before it closes").containsSubsequence(
                    "greenhouse/actuators/gh-south-1/vents {\"open\": true}",
                    "greenhouse/actuators/gh-south-1/vents {\"open\": false}");
            assertThat(pages).anySatisfy(page -> assertThat(page).startsWith("sensorflow: too-hot firing | urgent | "
                    + "text/plain; charset=utf-8 | true | [FIRING] too-hot on gh-south-1 temperature = "));
            assertThat(pages).noneMatch(page -> page.contains("north"));
            String history = Http.get(port, "/api/v1/alerts/history?limit=1000").body();
            assertThat(history).contains("\"rule\":\"zone-warm\",\"sensor\":\"\",\"metric\":\"temperature\","
                    + "\"group\":\"south\",\"state\":\"firing\"");
            assertThat(history).doesNotContain("\"group\":\"north\"");

            String south = Http.get(port, "/api/v1/sensors?tag=zone=south").body();
            for (int i = 1; i <= 4; i++) {
                assertThat(south).contains("{\"sensor\":\"gh-south-" + i + "\",\"metric\":\"temperature\"");
            }
            assertThat(south).doesNotContain("gh-north-").contains("\"tags\":{\"zone\":\"south\"}");
            assertThat(DAEMONS.dir().resolve("data/greenhouse.db")).as("the store as configured").exists();

            runDocBlocks("greenhouse", port);
        } finally {
            ntfy.stop(0);
        }
    }

    @Test
    void httpPushTakesJsonSenmlAndLineProtocolAndLogsItsAlert() throws Exception {
        int port = MosquittoBroker.freePort();
        Path log = start("http-push", port, Map.of());
        DaemonExtension.awaitReady(port);

        runDocBlocks("http-push", port);

        String sensors = Http.get(port, "/api/v1/sensors").body();
        assertThat(sensors).contains("{\"sensor\":\"lab-1\",\"metric\":\"temperature\",\"value\":26.0",
                "{\"sensor\":\"lab-2\",\"metric\":\"humidity\",\"value\":41.0",
                "{\"sensor\":\"office-1\",\"metric\":\"climate_temperature\",\"value\":23.4");
        assertThat(Http.get(port, "/api/v1/sensors/lab-1/temperature/readings").body())
                .contains("\"value\":21.5", "\"value\":31.5", "\"value\":26.0");
        assertThat(DAEMONS.dir().resolve("data/http-push.db")).exists();
        await("the log action").atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log)
                .contains("too-hot resolved sensor=lab-1"));
        assertThat(Files.readString(log)).contains("too-hot firing sensor=lab-1 metric=temperature value=31.5");
    }

    /** Starts the example as it stands in the test's directory (its store there), on {@code port}. */
    private Path start(String example, int port, Map<String, String> env) throws IOException {
        // The only change to the example: the port, since a test may not take 8080.
        Path config = DAEMONS.dir().resolve(example + "-on-a-free-port.conf");
        Files.writeString(config, "include file(\"" + EXAMPLES.resolve(example + ".conf").toAbsolutePath()
                + "\")\nsensorflow.http.port = " + port + "\n");
        Path log = DAEMONS.dir().resolve(example + ".log");
        jar(DAEMONS.dir(), env, log, "run", "--config", config.toString());
        return log;
    }

    private Process jar(Path dir, Map<String, String> env, Path output, String... args) throws IOException {
        String jar = System.getProperty("test.jar", "target/sensorflow.jar");
        assertThat(Path.of(jar)).as("the shaded jar (built in the package phase)").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", Path.of(jar).toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().keySet().removeIf(name -> VARIABLE_PREFIXES.stream().anyMatch(name::startsWith));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** Runs the example's blocks of docs/examples.md in order, with {@code sh -e}, against the daemon on port. */
    private static void runDocBlocks(String example, int port) throws Exception {
        List<String> blocks = blocks().getOrDefault(example, List.of());
        assertThat(blocks).as("docs/examples.md has blocks for %s", example).isNotEmpty();
        for (String block : blocks) {
            String script = block.replace("127.0.0.1:8080", "127.0.0.1:" + port);
            assertThat(script).as("a block reaches the daemon only at 127.0.0.1:8080").doesNotContain(":8080");
            Process sh = new ProcessBuilder("sh", "-e", "-c", script).redirectErrorStream(true).start();
            String output = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sh.exitValue()).as("exit status of\n%s\noutput:\n%s", block, output).isZero();
        }
    }

    private static Map<String, List<String>> blocks() throws IOException {
        Map<String, List<String>> blocks = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(DOCS));
        while (m.find()) {
            blocks.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
        }
        return blocks;
    }

    private static List<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
    }

    private static String name(Path example) {
        return example.getFileName().toString().replaceFirst("\\.conf$", "");
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
