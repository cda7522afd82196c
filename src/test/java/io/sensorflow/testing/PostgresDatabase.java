package io.sensorflow.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

/**
 * A throwaway, empty PostgreSQL database for one test class: in Testcontainers' {@code postgres} where Docker works,
 * otherwise created on the machine's server ({@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres},
 * or {@code SENSORFLOW_TEST_PG_URL} / {@code _USER} / {@code _PASSWORD}) and dropped afterwards. Force a mode with
 * {@code -Dsensorflow.test.postgres=local|docker}. Only loopback servers are ever used.
 */
public final class PostgresDatabase implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    static final String IMAGE = "postgres:15-alpine";
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private GenericContainer<?> container;
    private String serverUrl;
    private String user;
    private String password;
    private String database;

    /** A database outside JUnit (for benchmarks); {@link #close()} drops it. */
    public static PostgresDatabase createStandalone() throws Exception {
        PostgresDatabase db = new PostgresDatabase();
        db.beforeAll(null);
        return db;
    }

    public void close() {
        afterAll(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String mode = System.getProperty("sensorflow.test.postgres", "auto");
        if (mode.equals("docker") || (mode.equals("auto") && MosquittoBroker.dockerAvailable())) {
            container = new GenericContainer<>(IMAGE)
                    .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                    .withExposedPorts(5432)
                    .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 2)
                            .withStartupTimeout(Duration.ofSeconds(60)));
            container.start();
            serverUrl = "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/postgres";
            user = "postgres";
            password = "";
        } else {
            serverUrl = env("SENSORFLOW_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
            user = env("SENSORFLOW_TEST_PG_USER", "postgres");
            password = env("SENSORFLOW_TEST_PG_PASSWORD", "");
            requireLoopback(serverUrl);
        }
        database = "sensorflow_test_" + suffix();
        try (Connection connection = connectServer(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (container != null) {
            container.stop();
            return;
        }
        if (database == null) {
            return;
        }
        try (Connection connection = connectServer(); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the test database " + database + ": " + e.getMessage(), e);
        }
    }

    private Connection connectServer() throws SQLException {
        try {
            return DriverManager.getConnection(serverUrl, user, password);
        } catch (SQLException e) {
            throw new SQLException("cannot reach the PostgreSQL server at " + serverUrl + " as " + user + " ("
                    + e.getMessage() + "); start the machine's server with: pg_ctlcluster --skip-systemctl-redirect "
                    + "$(ls /etc/postgresql) main start, or point SENSORFLOW_TEST_PG_URL at one", e);
        }
    }

    static void requireLoopback(String jdbcUrl) {
        String host = URI.create(jdbcUrl.substring("jdbc:".length())).getHost();
        if (host == null || !LOOPBACK.contains(host)) {
            throw new IllegalArgumentException("tests only use a PostgreSQL server on loopback, not '" + host
                    + "' (" + jdbcUrl + ")");
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String suffix() {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == PostgresDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return this;
    }

    public String jdbcUrl() {
        int slash = serverUrl.lastIndexOf('/');
        return serverUrl.substring(0, slash + 1) + database;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String databaseName() {
        return database;
    }

    /** A scalar query on a fresh connection; -1 when it fails (a table not created yet, say). */
    public long count(String sql) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user, password);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }
}
