package io.sensorflow.testing;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server for outage tests: a fresh cluster ({@code initdb}) in a temp directory, on a free
 * loopback port, which a test can stop, kill and start again on the same port and data. Uses the machine's server
 * binaries (the newest /usr/lib/postgresql/N/bin, else {@code pg_config --bindir}); as root it runs them as the
 * {@code postgres} user, since they refuse to run as root.
 *
 * <p>Use with {@code @RegisterExtension static PrivatePostgres server = new PrivatePostgres();} (a test method may
 * also take a {@code PrivatePostgres} parameter), or outside JUnit with {@link #start()} and {@link #close()}.
 */
public final class PrivatePostgres implements BeforeAllCallback, AfterAllCallback, ParameterResolver, AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** pg_ctl waits {@link #WAIT} itself; this bounds everything else a command may hang on. */
    private static final Duration COMMAND_TIMEOUT = WAIT.plusSeconds(30);
    private static final String HOST = "127.0.0.1";
    private static final String OS_USER = "postgres";

    private Path dir;
    private Path data;
    private Path bin;
    private int port;
    private boolean asRoot;
    private String owner;
    private Thread shutdownHook;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // JUnit calls beforeAll again for each @Nested class: the outer class's server serves them all.
        if (dir != null) {
            return;
        }
        owner = context.getUniqueId();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (context.getUniqueId().equals(owner)) {
            close();
        }
    }

    /**
     * Starts the server and waits until it accepts connections: the first time on a fresh cluster and a free port,
     * after {@link #stop()} or {@link #kill()} on the same port and data. Does nothing if it runs already.
     */
    public synchronized void start() throws IOException, InterruptedException {
        if (dir == null) {
            try {
                create();
            } catch (IOException | InterruptedException | RuntimeException e) {
                try {
                    close();
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }
        if (running()) {
            return;
        }
        pgCtl("start", "-l", log().toString());
        try {
            Awaitility.await("private PostgreSQL accepting connections on port " + port).atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50)).until(this::accepting);
        } catch (ConditionTimeoutException e) {
            throw new IOException(e.getMessage() + "; server log " + log() + ":\n" + logTail(), e);
        }
    }

    /** A fast shutdown: sessions are ended, committed data stays. Returns once the port is closed. */
    public synchronized void stop() throws IOException, InterruptedException {
        if (dir != null && running()) {
            pgCtl("stop", "-m", "fast");
        }
        awaitPortClosed();
    }

    /**
     * An immediate shutdown, as after a crash: no checkpoint, the server replays its WAL at the next {@link #start()}.
     * Returns once the port is closed.
     */
    public synchronized void kill() throws IOException, InterruptedException {
        if (dir != null && running()) {
            pgCtl("stop", "-m", "immediate");
        }
        awaitPortClosed();
    }

    /** Stops the server if it runs and deletes its cluster and log. Safe to call twice. */
    @Override
    public synchronized void close() throws IOException {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what is calling us
            }
            shutdownHook = null;
        }
        if (dir == null) {
            return;
        }
        try {
            if (running()) {
                pgCtl("stop", "-m", "immediate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping the private PostgreSQL in " + dir);
        } finally {
            // Never delete the files under a live server: it would keep the port, unseen, until the machine restarts.
            postmaster().ifPresent(PrivatePostgres::destroyTree);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            dir = null;
        }
    }

    /** The {@code postgres} database; tests create their tables there. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    /** The temp directory with the cluster ({@code data/}), the socket and {@code server.log}. */
    Path directory() {
        return dir;
    }

    /** A scalar query on a fresh connection; 0 when it returns no row, -1 when it fails (server down, no table yet). */
    public long count(String sql) {
        try (Connection connection = connect();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == PrivatePostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return this;
    }

    private void create() throws IOException, InterruptedException {
        bin = binaries();
        asRoot = isRoot();
        port = MosquittoBroker.freePort();
        dir = Files.createTempDirectory("sensorflow-pg");
        data = dir.resolve("data");
        // A JVM that ends without close() (Ctrl-C, a Failsafe timeout) must not leave a server behind.
        shutdownHook = new Thread(() -> {
            try {
                close();
            } catch (Exception e) {
                System.err.println("could not stop the private PostgreSQL in " + dir + ": " + e);
            }
        }, "stop private PostgreSQL");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        if (asRoot) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName(OS_USER));
            if (run(List.of("test", "-w", dir.toString()), true, dir).exitCode() != 0) {
                throw new IOException("the " + OS_USER + " user cannot write to " + dir + ": a directory above it is "
                        + "closed to other users; point java.io.tmpdir somewhere open, such as /tmp");
            }
        }
        // C locale: initdb refuses a locale from the environment that is not installed.
        check(run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync"), true, dir), "initdb");
        // Settings in the file rather than on the command line, so every start (also by hand) gets them.
        Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
                "",
                "# sensorflow PrivatePostgres",
                "port = " + port,
                "listen_addresses = '" + HOST + "'",
                "unix_socket_directories = '" + dir + "'",
                "fsync = on",
                "shared_buffers = 32MB",
                "max_connections = 50",
                ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void pgCtl(String action, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), action, "-D",
                data.toString(), "-w", "-t", String.valueOf(WAIT.toSeconds())));
        command.addAll(List.of(options));
        check(run(command, true, dir), "pg_ctl " + action);
    }

    /** Whether the postmaster of our cluster is alive (its pid file names a live process). */
    private boolean running() throws IOException {
        return postmaster().isPresent();
    }

    private Optional<ProcessHandle> postmaster() throws IOException {
        try {
            String first = Files.readAllLines(data.resolve("postmaster.pid")).stream().findFirst().orElse("").trim();
            return ProcessHandle.of(Long.parseLong(first)).filter(ProcessHandle::isAlive);
        } catch (NoSuchFileException | NumberFormatException gone) {
            return Optional.empty();
        }
    }

    /** SIGKILL to the postmaster and its children, the last resort when pg_ctl could not stop them. */
    private static void destroyTree(ProcessHandle postmaster) {
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            postmaster.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // deleted or not, the caller goes on cleaning up
        }
    }

    private boolean accepting() {
        try (Connection connection = connect()) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user());
        properties.setProperty("password", "");
        properties.setProperty("connectTimeout", "2");
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    private void awaitPortClosed() throws IOException {
        try {
            Awaitility.await("private PostgreSQL port " + port + " closed").atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50)).until(() -> !listening());
        } catch (ConditionTimeoutException e) {
            throw new IOException(e.getMessage() + "; server log:\n" + logTail(), e);
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    private record Result(String command, int exitCode, String output) {
    }

    /**
     * Runs a command to its end (bounded), as the {@code postgres} user if asked and we are root. The working
     * directory is one that user can read: PostgreSQL's binaries look up the current directory and give up if
     * they cannot.
     */
    private Result run(List<String> command, boolean asPostgres, Path workDir)
            throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres && asRoot) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(command);
        Path output = Files.createTempFile("sensorflow-pg-command", ".log");
        try {
            Process process = new ProcessBuilder(full).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not finish in " + COMMAND_TIMEOUT.toSeconds()
                        + " s; server log:\n" + logTail());
            }
            return new Result(String.join(" ", full), process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private void check(Result result, String what) throws IOException {
        if (result.exitCode() != 0) {
            throw new IOException(what + " failed (exit " + result.exitCode() + "): " + result.command() + "\n"
                    + result.output().strip() + "\nserver log " + log() + ":\n" + logTail());
        }
    }

    private Path log() {
        return dir.resolve("server.log");
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | NullPointerException e) {
            return "(no server log)";
        }
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The newest /usr/lib/postgresql/N/bin with initdb, else {@code pg_config --bindir}. */
    private static Path binaries() throws IOException, InterruptedException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Optional<Path> newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparing(v -> v.getFileName().toString(), PrivatePostgres::compareVersions));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            }
        }
        try {
            Process process = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
                Path dir = Path.of(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
                if (Files.isExecutable(dir.resolve("initdb"))) {
                    return dir;
                }
            }
            process.destroyForcibly();
        } catch (IOException noPgConfig) {
            // fall through to the hint
        }
        throw new IOException("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or in "
                + "pg_config --bindir; install the Debian package postgresql");
    }

    /** "9.6" before "15", numerically per dot-separated part. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? number(x[i]) : 0, i < y.length ? number(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int number(String part) {
        String digits = part.replaceAll("\\D.*", "");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits);
    }
}
