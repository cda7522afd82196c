package io.sensorflow.testing;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker for one test class: Testcontainers' {@code eclipse-mosquitto} where Docker works,
 * otherwise a private {@code mosquitto} process on a free loopback port (never 1883), which tests can stop and start
 * again on the same port to simulate an outage. Force a mode with {@code -Dtest.broker=process|docker}.
 *
 * <p>Use with {@code @RegisterExtension static MosquittoBroker broker = new MosquittoBroker();} or
 * {@code @ExtendWith(MosquittoBroker.class)} and a {@code MosquittoBroker} parameter.
 */
public final class MosquittoBroker implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    static final String IMAGE = "eclipse-mosquitto:2.0.20";
    private static final int CONTAINER_PORT = 1883;
    private static final int DEFAULT_MAX_QUEUED = 60_000;

    private Path dir;
    private int port;
    private boolean tls;
    private boolean persistent;
    private int maxQueued = DEFAULT_MAX_QUEUED;
    private int tlsPort;
    private static final int CONTAINER_TLS_PORT = 8883;
    private Process process;
    private GenericContainer<?> container;

    /** A private broker process outside JUnit (for the benchmark); {@link #close()} stops it. */
    public static MosquittoBroker startProcess() throws IOException {
        MosquittoBroker broker = new MosquittoBroker();
        broker.dir = Files.createTempDirectory("mosquitto-bench");
        broker.port = freePort();
        broker.start();
        return broker;
    }

    /**
     * Also listens with TLS (a test CA, a server certificate for 127.0.0.1 and localhost) and requires a client
     * certificate there; {@link #tlsFile} gives the PEM files, made with {@code openssl}.
     */
    public MosquittoBroker withTls() {
        tls = true;
        return this;
    }

    /**
     * Keeps sessions, their subscriptions and queued messages across {@link #stop()} and {@link #start()}, as
     * docker/mosquitto.conf does in production: a test can then tell what a restart costs the daemon from what it
     * costs the broker's other clients. (A Docker broker is paused, not restarted: it keeps them anyway.)
     */
    public MosquittoBroker withPersistence() {
        persistent = true;
        return this;
    }

    /**
     * Holds up to {@code messages} QoS 1 and 2 messages per session beyond those in flight (0: no limit), for a test
     * that makes the broker hold a backlog larger than the default 60,000 (Mosquitto drops the rest).
     */
    public MosquittoBroker withMaxQueued(int messages) {
        maxQueued = messages;
        return this;
    }

    /** One of ca.pem, client.pem, client.key (PKCS#8), client.rsa.key (PKCS#1) of the TLS listener. */
    public Path tlsFile(String name) {
        return dir.resolve("tls").resolve(name);
    }

    public String tlsUrl() {
        return "ssl://127.0.0.1:" + (container != null ? container.getMappedPort(CONTAINER_TLS_PORT) : tlsPort);
    }

    public void close() throws Exception {
        afterAll(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String mode = System.getProperty("test.broker", "auto");
        boolean docker = mode.equals("docker") || (mode.equals("auto") && dockerAvailable());
        dir = Files.createTempDirectory("mosquitto-test");
        if (tls) {
            makeCertificates(dir.resolve("tls"));
        }
        if (docker) {
            startContainer();
        } else {
            port = freePort();
            tlsPort = tls ? freePort() : 0;
            start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (container != null) {
            container.stop();
        }
        stop();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == MosquittoBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return this;
    }

    public String host() {
        return container != null ? container.getHost() : "127.0.0.1";
    }

    public int port() {
        return container != null ? container.getMappedPort(CONTAINER_PORT) : port;
    }

    public String url() {
        return "tcp://" + host() + ":" + port();
    }

    /**
     * The broker's settings. Mosquitto's defaults (20 in flight, 1000 queued) would throttle an ack-after-commit
     * consumer to a few hundred readings/s and silently drop queued messages; these match docker/mosquitto.conf
     * (the queue stays below 65535, see MqttSource#adjustWindow).
     */
    static String config(int listenPort, String bindAddress) {
        return config(listenPort, bindAddress, null);
    }

    /** As {@link #config(int, String)}, saving sessions in {@code persistence} (a directory) if it is not null. */
    static String config(int listenPort, String bindAddress, Path persistence) {
        return config(listenPort, bindAddress, persistence, DEFAULT_MAX_QUEUED);
    }

    private static String config(int listenPort, String bindAddress, Path persistence, int maxQueued) {
        return String.join("\n",
                "listener " + listenPort + " " + bindAddress,
                "allow_anonymous true",
                persistence == null ? "persistence false"
                        : "persistence true\npersistence_location " + persistence + "/",
                "max_inflight_messages 2000",
                "max_queued_messages " + maxQueued,
                "max_queued_bytes 0",
                "set_tcp_nodelay true",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "");
    }

    /** Starts the broker process (again) on the same port; the daemon's client reconnects by itself. */
    public synchronized void start() throws IOException {
        if (container != null) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        if (process != null && process.isAlive()) {
            return;
        }
        Path conf = dir.resolve("mosquitto.conf");
        Path data = persistent ? persistenceDir() : null;
        Files.writeString(conf, config(port, "127.0.0.1", data, maxQueued)
                + (tls ? tlsListener(tlsPort, "127.0.0.1", dir.resolve("tls")) : ""));
        process = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        awaitListening();
    }

    /** Stops the broker; its sessions are lost with it unless it {@link #withPersistence() saves them}. */
    public synchronized void stop() throws InterruptedException {
        if (container != null) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    /**
     * Kills the broker process with SIGKILL: nothing is saved, so with persistence it comes back with what its last
     * autosave held (Mosquitto's default: every 30 minutes), without it with nothing. Only for a broker process: a
     * Docker broker is stopped as {@link #stop()} does.
     */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            stop();
            return;
        }
        process.destroyForcibly().waitFor();
        process = null;
    }

    /**
     * Where the broker saves its sessions (on SIGTERM, which {@link #stop()} sends). Mosquitto started as root writes
     * it after switching to its own user: let it (a throwaway directory).
     */
    private Path persistenceDir() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return data;
    }

    private void startContainer() throws IOException {
        String conf = config(CONTAINER_PORT, "0.0.0.0");
        container = new GenericContainer<>(IMAGE).withExposedPorts(CONTAINER_PORT);
        if (tls) {
            conf += tlsListener(CONTAINER_TLS_PORT, "0.0.0.0", Path.of("/mosquitto/config"));
            container.addExposedPort(CONTAINER_TLS_PORT);
            for (String file : new String[] {"ca.pem", "server.pem", "server.key"}) {
                container.withCopyToContainer(Transferable.of(Files.readAllBytes(tlsFile(file))), "/mosquitto/config/" + file);
            }
        }
        container.withCopyToContainer(Transferable.of(conf), "/mosquitto/config/mosquitto.conf");
        container.start();
    }

    private static String tlsListener(int listenPort, String bindAddress, Path files) {
        return String.join("\n",
                "listener " + listenPort + " " + bindAddress,
                "cafile " + files.resolve("ca.pem"),
                "certfile " + files.resolve("server.pem"),
                "keyfile " + files.resolve("server.key"),
                "require_certificate true",
                "");
    }

    /**
     * A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, valid for two days: ca.pem,
     * server.pem, server.key (PKCS#8), client.pem, client.key (PKCS#8), client.rsa.key (PKCS#1).
     */
    public static void makeCertificates(Path tlsDir) throws IOException, InterruptedException {
        Files.createDirectories(tlsDir);
        Files.writeString(tlsDir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl(tlsDir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=sensorflow test CA");
        for (String who : new String[] {"server", "client"}) {
            openssl(tlsDir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
                    "-subj", "/CN=" + (who.equals("server") ? "127.0.0.1" : "sensorflow-test-client"));
            List<String> sign = new java.util.ArrayList<>(List.of("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem",
                    "-CAkey", "ca.key", "-CAcreateserial", "-out", who + ".pem", "-days", "2"));
            if (who.equals("server")) {
                sign.addAll(List.of("-extfile", "server.ext"));
            }
            openssl(tlsDir, sign.toArray(String[]::new));
        }
        openssl(tlsDir, "rsa", "-in", "client.key", "-traditional", "-out", "client.rsa.key");
        // Mosquitto started as root reads its certificates after switching to its own user: let it (throwaway keys).
        java.util.Set<java.nio.file.attribute.PosixFilePermission> open =
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(tlsDir.getParent(), open);
        Files.setPosixFilePermissions(tlsDir, open);
        try (var files = Files.list(tlsDir)) {
            for (Path file : files.toList()) {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    private void awaitListening() throws IOException {
        try {
            Awaitility.await("mosquitto listening on port " + port)
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IOException("mosquitto exited with " + process.exitValue() + ": "
                                    + Files.readString(dir.resolve("mosquitto.log")));
                        }
                        try (Socket socket = new Socket()) {
                            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException(e.getMessage() + "; log: " + Files.readString(dir.resolve("mosquitto.log")), e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static boolean dockerAvailable() {
        // Skip Testcontainers' slow probe where there is plainly no engine to talk to.
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
