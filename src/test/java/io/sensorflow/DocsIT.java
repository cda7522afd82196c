package io.sensorflow;

import io.sensorflow.testing.MosquittoBroker;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Runs the documentation: every shell block of README.md and docs/*.md whose fence says {@code sh example=NAME}
 * runs, as written, against a daemon that the block marked {@code daemon} of that example starts (through
 * bin/sensorflow), on the port the docs name (8080). A block marked {@code before} runs in the background before
 * the daemon (a server an example polls). The rest run one after another, in the order of the docs, and each must
 * exit 0; then the daemon must stop on SIGTERM with exit code 0. Example {@code default} is config/sensorflow.conf,
 * any other config/examples/NAME.conf.
 *
 * <p>The daemon and the blocks get the environment a reader's shell would have, plus three things that keep a test
 * off the machine's own services: the store under target/ ({@code SENSORFLOW_OPTS}), the test's private broker for
 * the daemon ({@code SENSORFLOW_MQTT_URL}, which the configs read) and for {@code mosquitto_pub} and
 * {@code mosquitto_sub} (their options file under {@code XDG_CONFIG_HOME}).
 */
class DocsIT {

    /** The port every documented command names. */
    private static final int PORT = 8080;
    private static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(150);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final Pattern FENCE = Pattern.compile("^```sh\\s+example=([a-z0-9-]+)((?:\\s+[a-z]+)*)\\s*$");
    /**
     * Examples this test does not start: mqtt-bridge needs a service no test machine has (a TLS broker with accounts;
     * ExamplesIT checks it); greenhouse's blocks ExamplesIT runs against the daemon whose commands and pages it
     * checks, since starting it twice would cost a minute of the build.
     */
    static final Set<String> NOT_RUN = Set.of("mqtt-bridge", "greenhouse");

    @RegisterExtension
    static final MosquittoBroker BROKER = new MosquittoBroker();

    @TempDir
    static Path tmp;

    record Block(Path file, int line, String example, Set<String> flags, String text) {
        String where() {
            return file + ":" + line;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyRunnableBlockOfTheDocsRunsAsWritten() throws IOException {
        Map<String, List<Block>> byExample = new LinkedHashMap<>();
        for (Block block : allBlocks()) {
            byExample.computeIfAbsent(block.example(), e -> new ArrayList<>()).add(block);
        }
        assertThat(byExample).as("runnable blocks in the docs").containsKey("default");
        String examplesDoc = Files.readString(Path.of("docs", "examples.md"));
        for (Path example : examples()) {
            String name = example.getFileName().toString().replaceFirst("\\.conf$", "");
            assertThat(examplesDoc).as("docs/examples.md has a section for " + example).contains("\n## " + name + "\n");
            if (!name.equals("mqtt-bridge")) {
                assertThat(byExample).as("docs for " + example + " that a test runs").containsKey(name);
            }
        }
        assertThat(byExample.keySet()).as("every ```sh example=NAME names an example").allSatisfy(name ->
                assertThat(name.equals("default") || Files.exists(Path.of("config", "examples", name + ".conf")))
                        .as(name).isTrue());
        return byExample.entrySet().stream().filter(e -> !NOT_RUN.contains(e.getKey()))
                .map(e -> DynamicTest.dynamicTest("example " + e.getKey(), () -> run(e.getKey(), e.getValue())));
    }

    /** Every runnable block of the docs, in the order of the files and within them. */
    static List<Block> allBlocks() throws IOException {
        List<Block> all = new ArrayList<>();
        for (Path doc : docs()) {
            all.addAll(blocks(doc));
        }
        return all;
    }

    private static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> files = Files.list(Path.of("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    private static List<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("config", "examples"))) {
            return files.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        }
    }

    static List<Block> blocks(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (!fence.matches()) {
                continue;
            }
            int start = i + 1;
            StringBuilder text = new StringBuilder();
            for (i = start; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            Set<String> flags = Set.of(fence.group(2).trim().isEmpty() ? new String[0]
                    : fence.group(2).trim().split("\\s+"));
            assertThat(Set.of("daemon", "before")).as(doc + ":" + start + ": flags").containsAll(flags);
            blocks.add(new Block(doc, start, fence.group(1), flags, text.toString()));
        }
        return blocks;
    }

    private void run(String example, List<Block> blocks) throws Exception {
        Path config = example.equals("default") ? Path.of("config", "sensorflow.conf")
                : Path.of("config", "examples", example + ".conf");
        assertThat(config).as("the config of the docs' example=" + example).exists();
        List<Block> daemonBlocks = blocks.stream().filter(b -> b.flags().contains("daemon")).toList();
        assertThat(daemonBlocks).as("one block that starts the daemon for example " + example).hasSize(1);
        Block daemonBlock = daemonBlocks.get(0);
        assertThat(daemonBlock.text()).as(daemonBlock.where() + " starts the daemon with the launcher")
                .startsWith("bin/sensorflow run").contains(example.equals("default") ? "run" : config.toString());
        assertThat(portFree()).as("port " + PORT + ", which the docs name, is free for the daemon under test")
                .isTrue();

        Path dir = Files.createDirectories(tmp.resolve(example));
        Map<String, String> env = environment(dir, BROKER);
        List<Process> background = new ArrayList<>();
        Path daemonLog = dir.resolve("daemon.log");
        try {
            for (Block before : blocks.stream().filter(b -> b.flags().contains("before")).toList()) {
                background.add(start(before.text(), env, dir.resolve("before-" + before.line() + ".log")));
            }
            // exec: the block's process is the JVM itself, so SIGTERM below reaches the daemon as it would from
            // a service manager.
            Process daemon = start("exec " + daemonBlock.text().strip(), env, daemonLog);
            background.add(daemon);
            awaitLive(daemon, daemonLog);
            awaitReady();
            for (Block block : blocks) {
                if (block.flags().isEmpty()) {
                    runBlock(block, PORT, env, dir, daemonLog);
                }
            }
            daemon.destroy();
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            assertThat(daemon.exitValue()).as("exit code after SIGTERM; log:\n" + tail(daemonLog)).isZero();
        } finally {
            for (Process process : background) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** What a block and the daemon get on top of this JVM's environment; see the class comment. */
    static Map<String, String> environment(Path dir, MosquittoBroker broker) throws IOException {
        Path xdg = Files.createDirectories(dir.resolve("xdg"));
        String options = "-h " + broker.host() + "\n-p " + broker.port() + "\n";
        Files.writeString(xdg.resolve("mosquitto_pub"), options);
        Files.writeString(xdg.resolve("mosquitto_sub"), options);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("XDG_CONFIG_HOME", xdg.toString());
        env.put("SENSORFLOW_MQTT_URL", broker.url());
        env.put("SENSORFLOW_OPTS", "-Dsensorflow.store.path=" + dir.resolve("sensorflow.db"));
        return env;
    }

    private static Process start(String script, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return builder.start();
    }

    /**
     * Runs one block, failing with its output and the daemon's log unless it exits 0 in time.
     *
     * @param port where the daemon listens; a test that cannot take 8080 runs the block with its port instead
     */
    static void runBlock(Block block, int port, Map<String, String> env, Path dir, Path daemonLog)
            throws Exception {
        Path log = dir.resolve("block-" + block.file().getFileName() + "-" + block.line() + ".log");
        String text = port == PORT ? block.text() : block.text().replace(":" + PORT, ":" + port);
        Process process = start(text, env, log);
        try {
            boolean ended = process.waitFor(BLOCK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String output = Files.readString(log);
            System.out.printf("%s (example %s):%n%s%n", block.where(), block.example(), output.indent(4));
            if (!ended) {
                fail(block.where() + ": still running after " + BLOCK_TIMEOUT.toSeconds() + " s:\n" + block.text()
                        + "\noutput:\n" + output + "\ndaemon log:\n" + tail(daemonLog));
            }
            if (process.exitValue() != 0) {
                fail(block.where() + ": exit " + process.exitValue() + ":\n" + block.text() + "\noutput:\n"
                        + output + "\ndaemon log:\n" + tail(daemonLog));
            }
        } finally {
            // A block may leave a background job behind (mosquitto_sub ... &); it ends with its block.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private static void awaitLive(Process daemon, Path log) {
        await("the daemon live on port " + PORT).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!daemon.isAlive()) {
                        fail("the daemon exited with " + daemon.exitValue() + " before it was live:\n" + tail(log));
                    }
                    return status("/health/live") == 200;
                });
    }

    /**
     * A reader tries the commands once the daemon has started; by then its sources have connected. Not an assertion:
     * an example may be meant to show something down (http-poll's dead endpoint), and its blocks say what they need.
     */
    private static void awaitReady() {
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> status("/health/ready") == 200);
        } catch (ConditionTimeoutException notReady) {
            // See above: the blocks run all the same.
        }
    }

    /** The daemon's answer to a GET of {@code path} on the documented port; 0 while nothing listens there. */
    private static int status(String path) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notListening) {
            return 0;
        }
    }

    private static boolean portFree() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", PORT));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
