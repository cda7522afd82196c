package io.sensorflow.testing;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server for outage tests: a fresh cluster ({@code initdb}) in a temp directory, on a free
 * loopback port, which a test can stop, kill and start again on the same port and data. Uses the machine's
 * PostgreSQL binaries (/usr/lib/postgresql/N/bin); as root, runs them as the {@code postgres} user, since they refuse
 * to run as root.
 */
public final class PrivatePostgres implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private Path dir;
    private Path data;
    private Path bin;
    private int port;
    private boolean asRoot;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        create();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** Creates the cluster and starts the server. */
    public void create() throws IOException, InterruptedException {
        bin = binaries();
        dir = Files.createTempDirectory("sensorflow-pg");
        data = dir.resolve("data");
        port = MosquittoBroker.freePort();
        asRoot = "root".equals(System.getProperty("user.name"));
        if (asRoot) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-instructions"), true);
        start();
    }

    /** Starts the server (again) on the same port and data, and waits until it accepts connections. */
    public synchronized void start() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                        + " -c fsync=on -c shared_buffers=32MB", "-w", "-t", "30", "start"), true);
        try {
            Awaitility.await("private PostgreSQL on port " + port).atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100)).until(this::accepting);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException(e.getMessage() + "; server log: " + logTail(), e);
        }
    }

    /** A fast shutdown: connections are closed, committed data stays. Returns once the port is closed. */
    public synchronized void stop() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop"),
                true);
    }

    /** An immediate shutdown, like a crash: the server recovers from its WAL at the next start. */
    public synchronized void kill() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "-t", "30",
                "stop"), true);
    }

    /** Stops the server if it runs and deletes its data. */
    public void close() throws IOException, InterruptedException {
        if (dir == null) {
            return;
        }
        if (Files.exists(data.resolve("postmaster.pid"))) {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"),
                    true);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        dir = null;
    }

    private boolean accepting() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user(), "")) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    /** A scalar query on a fresh connection; -1 when it fails (server down, table not created yet). */
    public long count(String sql) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user(), "");
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    private void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres && asRoot) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Path output = Files.createTempFile("pg-command", ".log");
        Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", full) + " did not finish in 60 s");
        }
        String out = Files.readString(output);
        Files.deleteIfExists(output);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " exited with " + process.exitValue() + ": " + out
                    + (dir != null ? "; server log: " + logTail() : ""));
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no server log)";
        }
    }

    private static Path binaries() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
                            .replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IOException("no PostgreSQL server binaries under /usr/lib/postgresql "
                            + "(Debian package postgresql)"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no PostgreSQL server binaries under /usr/lib/postgresql (Debian package postgresql)",
                    e);
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
}
