package io.sensorflow.testing;

import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.Daemon;
import io.sensorflow.app.SensorflowConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A daemon on its test services, for integration tests. Register it once per class:
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static final DaemonExtension DAEMONS = DaemonExtension.withBroker();   // or withoutBroker(), .withPostgres()
 *
 * {@literal @}Test
 * void firesOnce(TestConfig config) {                 // injected: this test's config, see TestConfig
 *     Daemon daemon = DAEMONS.start(config.with("rules.r { ... }"));
 * </pre>
 *
 * It starts only the services the class asks for (a private Mosquitto, a throwaway PostgreSQL database) before all
 * tests and stops them after; gives each test a directory of its own; and stops every daemon and kills every jar
 * process a test started once the test ends, whatever its outcome. Test methods may also take the
 * {@link MosquittoBroker} and the {@link PostgresDatabase}.
 */
public final class DaemonExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    private static final Duration READY = Duration.ofSeconds(30);

    private final MosquittoBroker broker;
    private PostgresDatabase postgres;
    private Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private DaemonExtension(MosquittoBroker broker) {
        this.broker = broker;
    }

    /** Daemons with an mqtt source {@code plant} on a private broker (and the {@code fan} action through it). */
    public static DaemonExtension withBroker() {
        return new DaemonExtension(new MosquittoBroker());
    }

    /** Daemons on {@code broker}, e.g. one that also listens with TLS. */
    public static DaemonExtension withBroker(MosquittoBroker broker) {
        return new DaemonExtension(broker);
    }

    /** Daemons with no source of their own, for tests that bring theirs (http-push, http-poll, simulator). */
    public static DaemonExtension withoutBroker() {
        return new DaemonExtension(null);
    }

    /** Also a throwaway PostgreSQL database ({@link TestConfig#onPostgres()}). */
    public DaemonExtension withPostgres() {
        postgres = new PostgresDatabase();
        return this;
    }

    public MosquittoBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("this extension has no broker; use DaemonExtension.withBroker()");
        }
        return broker;
    }

    public PostgresDatabase postgres() {
        if (postgres == null) {
            throw new IllegalStateException("this extension has no PostgreSQL database; use withPostgres()");
        }
        return postgres;
    }

    /** This test's own directory, removed after it. */
    public Path dir() {
        return dir;
    }

    /** A config for this test, named {@code name}: its store file and MQTT client id. */
    public TestConfig config(String name) {
        return new TestConfig(broker, postgres, dir, name, List.of());
    }

    /** Starts a daemon and waits until it is ready (store open, every source connected); stopped after the test. */
    public Daemon start(TestConfig config) {
        return start(config.parse());
    }

    public Daemon start(SensorflowConfig config) {
        Daemon daemon = launch(config);
        awaitReady(daemon);
        return daemon;
    }

    /** Starts a daemon without waiting for it to be ready; stopped after the test. */
    public Daemon launch(SensorflowConfig config) {
        return track(Daemon.start(config));
    }

    /** Starts a daemon on a config file, which a reload reads again; waits until it is ready. */
    public Daemon startFromFile(Path file) {
        Daemon daemon = track(Daemon.start(ConfigLoader.load(file), Clock.systemUTC(), () -> ConfigLoader.load(file)));
        awaitReady(daemon);
        return daemon;
    }

    private synchronized Daemon track(Daemon daemon) {
        daemons.add(daemon);
        return daemon;
    }

    private static void awaitReady(Daemon daemon) {
        await("daemon ready").atMost(READY)
                .until(() -> Http.get(daemon.httpPort(), "/health/ready").status() == 200);
    }

    /** Stops a daemon now, as SIGTERM would, and waits until it has. */
    public void stop(Daemon daemon) {
        daemon.stop().toCompletableFuture().join();
    }

    /**
     * Runs the shaded jar on {@code config} in this test's directory, as an operator would, its output appended to
     * {@code daemon.log} there; killed after the test.
     */
    public synchronized Process jar(Path config, String... jvm) throws IOException {
        Process process = JarProcess.run(dir, config, log(), List.of(jvm));
        processes.add(process);
        return process;
    }

    /** Where the jar processes of this test write. */
    public Path log() {
        return dir.resolve("daemon.log");
    }

    /** Waits until the daemon on {@code port} answers ready. */
    public static void awaitReady(int port) {
        await("ready").atMost(READY).until(() -> Http.get(port, "/health/ready").status() == 200);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (broker != null) {
            broker.beforeAll(context);
        }
        if (postgres != null) {
            postgres.beforeAll(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (broker != null) {
                broker.afterAll(context);
            }
        } finally {
            if (postgres != null) {
                postgres.afterAll(context);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("sensorflow-" + context.getRequiredTestMethod().getName());
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) throws Exception {
        try {
            for (Process process : processes) {
                if (process.isAlive()) {
                    process.destroyForcibly().waitFor();
                }
            }
            for (Daemon daemon : daemons) {
                daemon.stop().toCompletableFuture().join();
            }
        } finally {
            processes.clear();
            daemons.clear();
            // -Dtest.keep-dirs keeps them all, to read what the daemons logged in a passing run too.
            if (context.getExecutionException().isEmpty() && !Boolean.getBoolean("test.keep-dirs")) {
                delete(dir);
            } else {
                System.err.println("kept the directory of the " + (context.getExecutionException().isEmpty()
                        ? "" : "failed ") + "test " + context.getDisplayName() + ": " + dir);
            }
        }
    }

    private static void delete(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestConfig.class || type == MosquittoBroker.class && broker != null
                || type == PostgresDatabase.class && postgres != null;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        if (type == TestConfig.class) {
            return config(extension.getRequiredTestMethod().getName());
        }
        return type == MosquittoBroker.class ? broker : postgres;
    }
}
