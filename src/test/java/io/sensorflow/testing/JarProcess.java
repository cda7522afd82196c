package io.sensorflow.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts the shaded jar as an operator would: {@code java -jar sensorflow.jar run --config FILE}. */
public final class JarProcess {

    private JarProcess() {
    }

    /** Runs the daemon in {@code dir}, appending its output to {@code log}. */
    public static Process run(Path dir, Path config, Path log) throws IOException {
        return run(dir, config, log, java.util.List.of());
    }

    /** As {@link #run(Path, Path, Path)}, with JVM options (say the README's heap) before {@code -jar}. */
    public static Process run(Path dir, Path config, Path log, java.util.List<String> jvm) throws IOException {
        String jar = System.getProperty("test.jar", "target/sensorflow.jar");
        assertThat(Path.of(jar)).as("the shaded jar (built in the package phase)").exists();
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(java.util.List.of("-jar", Path.of(jar).toAbsolutePath().toString(), "run", "--config",
                config.toString()));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The live heap as the JVM reports it after a full collection, from the JDK's own jcmd. */
    public static String heapAfterFullGc(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "heap not measured (no jcmd)";
        }
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").start().waitFor(30, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").start();
        String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(30, TimeUnit.SECONDS);
        // G1 reports the heap in one line, the serial collector (a JVM that sees one CPU) in two generations.
        String heap = String.join("; ", text.lines().map(String::trim).filter(line -> line.startsWith(
                "garbage-first heap") || line.startsWith("def new generation") || line.startsWith("tenured generation"))
                .map(line -> line.replaceAll(" \\[0x.*", "")).toList());
        return heap.isEmpty() ? "heap: " + text : heap;
    }
}
