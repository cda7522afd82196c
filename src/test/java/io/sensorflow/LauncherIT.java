package io.sensorflow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/sensorflow as a user calls it: from anywhere, through a link, with JAVA_HOME and SENSORFLOW_OPTS. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("bin", "sensorflow").toAbsolutePath();
    private static final Path JAR = Path.of("target", "sensorflow.jar").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int exit, String out) {
    }

    private static Run run(Path cwd, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("SENSORFLOW_OPTS");
        builder.environment().remove("SENSORFLOW_JAR");
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out);
    }

    @Test
    void aBareFileNameFromTheConfigsOwnDirectoryLoadsWhatThePathFromElsewhereDoes() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf/rules"));
        Files.writeString(conf.resolve("hot.conf"), "sensorflow.rules.hot { match.metric = t, "
                + "when = \"value > 1.0\", actions = [audit] }\nsensorflow.actions.audit.type = log\n");
        Files.writeString(dir.resolve("conf/main.conf"),
                "sensorflow.sources.demo.type = simulator\ninclude \"rules/hot.conf\"\n");

        Run bare = run(dir.resolve("conf"), Map.of(), LAUNCHER.toString(), "check", "--config", "main.conf");
        Run fromAbove = run(dir, Map.of(), LAUNCHER.toString(), "check", "--config", "conf/main.conf");

        assertThat(bare.out()).isEqualTo("OK: 1 source, 1 rule, 1 action in main.conf\n");
        assertThat(fromAbove.out()).isEqualTo("OK: 1 source, 1 rule, 1 action in conf/main.conf\n");
    }

    @Test
    void everyShippedConfigLoadsTheSameFromItsOwnDirectoryAsFromTheRoot() throws Exception {
        List<Path> configs = new ArrayList<>(List.of(Path.of("config", "sensorflow.conf")));
        if (Files.isDirectory(Path.of("config", "examples"))) {
            try (Stream<Path> examples = Files.list(Path.of("config", "examples"))) {
                examples.filter(f -> f.toString().endsWith(".conf")).sorted().forEach(configs::add);
            }
        }
        // All at once: a JVM starting is most of each, and there are two per config.
        Map<Path, java.util.concurrent.CompletableFuture<Run>> fromRoots = new java.util.LinkedHashMap<>();
        Map<Path, java.util.concurrent.CompletableFuture<Run>> fromDirectories = new java.util.LinkedHashMap<>();
        for (Path config : configs) {
            fromRoots.put(config, async(Path.of("").toAbsolutePath(), LAUNCHER.toString(), "check", "--config",
                    config.toString()));
            fromDirectories.put(config, async(config.toAbsolutePath().getParent(), LAUNCHER.toString(), "check",
                    "--config", config.getFileName().toString()));
        }
        for (Path config : configs) {
            Run fromRoot = fromRoots.get(config).get(90, TimeUnit.SECONDS);
            Run fromItsDirectory = fromDirectories.get(config).get(90, TimeUnit.SECONDS);
            assertThat(fromRoot.exit()).as(config + ": " + fromRoot.out()).isZero();
            assertThat(fromItsDirectory.out().replace(" in " + config.getFileName(), " in " + config))
                    .as(config + " from its own directory").isEqualTo(fromRoot.out());
        }
    }

    private static java.util.concurrent.CompletableFuture<Run> async(Path cwd, String... command) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(cwd, Map.of(), command);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void runsJavaFromJavaHomeWithTheArchiveTheDefaultsThenSensorflowOptsAndPassesArgumentsThrough()
            throws Exception {
        Path args = dir.resolve("args.txt");
        Path javaHome = fakeJavaHome(args);
        Path spaced = Files.createDirectories(dir.resolve("a dir"));
        Files.copy(Path.of("config", "sensorflow.conf"), spaced.resolve("my config.conf"));

        Run run = run(dir, Map.of("JAVA_HOME", javaHome.toString(), "SENSORFLOW_OPTS", "-Xmx300m -Dx=1"),
                LAUNCHER.toString(), "check", "--config", "a dir/my config.conf");

        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).startsWith("OK: 3 sources");
        List<String> expected = new ArrayList<>();
        Path archive = JAR.resolveSibling("sensorflow.jsa");
        if (Files.exists(archive) && !Files.getLastModifiedTime(JAR).toInstant()
                .isAfter(Files.getLastModifiedTime(archive).toInstant())) {
            expected.add("-XX:SharedArchiveFile=" + archive.toRealPath());
        }
        expected.addAll(List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError", "-Xmx300m", "-Dx=1", "-jar",
                JAR.toRealPath().toString(), "check", "--config", "a dir/my config.conf"));
        assertThat(Files.readAllLines(args)).containsExactlyElementsOf(expected);
    }

    @Test
    void usesTheArchiveBesideTheJarOnlyWhenItIsNotOlderThanTheJar() throws Exception {
        Path args = dir.resolve("args.txt");
        Path javaHome = fakeJavaHome(args);
        Path lib = Files.createDirectories(dir.resolve("lib"));
        // The fake java records its arguments and runs nothing, so neither file needs to be what it is named.
        Path jar = Files.writeString(lib.resolve("sensorflow.jar"), "not really a jar");
        Path archive = Files.writeString(lib.resolve("sensorflow.jsa"), "not really an archive");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome.toString(), "SENSORFLOW_JAR", jar.toString(),
                "FAKE_ONLY", "1");

        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));
        run(dir, env, LAUNCHER.toString(), "--version");
        assertThat(Files.readAllLines(args)).as("an archive older than the jar belongs to another build")
                .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(7200)));
        run(dir, env, LAUNCHER.toString(), "--version");
        assertThat(Files.readAllLines(args)).first().asString()
                .isEqualTo("-XX:SharedArchiveFile=" + archive.toRealPath());
    }

    @Test
    void worksThroughASymbolicLinkFromAnotherDirectory() throws Exception {
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("usr/bin")).resolve("sensorflow"),
                LAUNCHER);
        Run run = run(dir, Map.of(), link.toString(), "--version");
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).startsWith("sensorflow ");
    }

    @Test
    void saysWhatIsMissingWhenThereIsNoJarOrNoJava() throws Exception {
        Run noJar = run(dir, Map.of("SENSORFLOW_JAR", dir.resolve("gone.jar").toString()), LAUNCHER.toString(),
                "run");
        assertThat(noJar.exit()).isEqualTo(1);
        assertThat(noJar.out()).contains("no jar found", "gone.jar", "mvn -B -q package -DskipTests");

        Run noJava = run(dir, Map.of("JAVA_HOME", dir.resolve("no-jdk").toString()), LAUNCHER.toString(), "run");
        assertThat(noJava.exit()).isEqualTo(1);
        assertThat(noJava.out()).contains("JAVA_HOME is " + dir.resolve("no-jdk"), "is not an executable");
    }

    /** A JAVA_HOME whose java writes its arguments to {@code args}, one a line, then runs the real java. */
    private Path fakeJavaHome(Path args) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\n: > '" + args + "'\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '"
                + args + "'; done\n[ -n \"${FAKE_ONLY:-}\" ] && exit 0\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("jdk");
    }
}
