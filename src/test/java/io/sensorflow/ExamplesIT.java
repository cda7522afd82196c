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
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The greenhouse example as a user meets it: it runs from the real jar, does what docs/examples.md says (commands,
 * pages, alerts) and answers its shell blocks. LauncherIT runs {@code check} on every example through bin/sensorflow
 * (from the root and from config/examples/), CheckCommandTest requires each to check without a warning, and DocsIT
 * runs the other examples' blocks against them.
 */
class ExamplesIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final Path EXAMPLES = Path.of("config", "examples");
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
            Path log = start("greenhouse", port, Map.of("SENSORFLOW_MQTT_URL", broker.url(),
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

            // DocsIT leaves greenhouse's blocks to this test, which has its daemon running already.
            List<DocsIT.Block> blocks = DocsIT.allBlocks().stream()
                    .filter(b -> b.example().equals("greenhouse") && b.flags().isEmpty()).toList();
            assertThat(blocks).as("runnable blocks for greenhouse in the docs").isNotEmpty();
            Map<String, String> env = DocsIT.environment(DAEMONS.dir(), broker);
            for (DocsIT.Block block : blocks) {
                DocsIT.runBlock(block, port, env, DAEMONS.dir(), log);
            }
        } finally {
            ntfy.stop(0);
        }
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

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
