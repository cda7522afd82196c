package io.sensorflow.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.postgresql.Driver;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A throwaway, empty PostgreSQL database for one test class: in Testcontainers' {@code postgres} where Docker works,
 * otherwise created on the machine's server ({@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres},
 * or {@code SENSORFLOW_TEST_PG_URL} / {@code _USER} / {@code _PASSWORD}) and dropped afterwards. Force a mode with
 * {@code -Dtest.postgres=auto|docker|local}. Only loopback servers are ever used.
 *
 * <p>Use with {@code @RegisterExtension static PostgresDatabase pg = new PostgresDatabase();} (a test method may also
 * take a {@code PostgresDatabase} parameter), or {@link #createStandalone()} and {@link #close()} outside JUnit.
 */
public final class PostgresDatabase implements BeforeAllCallback, AfterAllCallback, ParameterResolver, AutoCloseable {

    static final String IMAGE = "postgres:15-alpine";
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1");
    private static final int CONTAINER_PORT = 5432;
    /** Seconds; a server that is down answers at once, one that does not answer must not hang a test run. */
    private static final String CONNECT_TIMEOUT = "5";

    private final String fixedMode;
    private final UnaryOperator<String> env;

    private GenericContainer<?> container;
    private String adminUrl;
    private String host;
    private int port;
    private String parameters;
    private String user;
    private String password;
    private String database;
    private String owner;
    private Thread shutdownHook;

    public PostgresDatabase() {
        this(null, System::getenv);
    }

    /** For tests of this class: a fixed mode instead of the system property, and its own environment. */
    PostgresDatabase(String mode, UnaryOperator<String> env) {
        this.fixedMode = mode;
        this.env = env;
    }

    /** A database outside JUnit (for benchmarks); {@link #close()} drops it. */
    public static PostgresDatabase createStandalone() throws SQLException {
        PostgresDatabase db = new PostgresDatabase();
        db.create();
        return db;
    }

    /** Drops the database (or stops the container). Safe to call twice. */
    @Override
    public synchronized void close() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what is calling us
            }
            shutdownHook = null;
        }
        drop();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // JUnit calls beforeAll again for each @Nested class: the outer class's database serves them all.
        if (database != null) {
            return;
        }
        owner = context.getUniqueId();
        create();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(owner)) {
            close();
        }
    }

    synchronized void create() throws SQLException {
        String mode = fixedMode != null ? fixedMode : System.getProperty("test.postgres", "auto");
        boolean docker = switch (mode) {
            case "docker" -> true;
            case "local" -> false;
            case "auto" -> MosquittoBroker.dockerAvailable();
            default -> throw new IllegalArgumentException("test.postgres must be auto, docker or local, not '"
                    + mode + "'");
        };
        if (docker) {
            startContainer();
        } else {
            adminUrl = env("SENSORFLOW_TEST_PG_URL", DEFAULT_URL);
            user = env("SENSORFLOW_TEST_PG_USER", "postgres");
            password = env("SENSORFLOW_TEST_PG_PASSWORD", "");
        }
        String name = "sensorflow_test_" + suffix();
        try {
            Properties target = requireLoopback(adminUrl);
            host = target.getProperty("PGHOST");
            port = Integer.parseInt(target.getProperty("PGPORT"));
            parameters = parameters(target);
            try (Connection connection = connectAdmin(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException | RuntimeException e) {
            if (container != null) {
                container.stop();
                container = null;
            }
            throw e;
        }
        database = name;
        // A run cut short (Ctrl-C, a Failsafe timeout's SIGTERM) still drops its database; SIGKILL cannot be helped.
        shutdownHook = new Thread(this::drop, "drop " + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void startContainer() {
        container = new GenericContainer<>(IMAGE)
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                .withExposedPorts(CONTAINER_PORT)
                // The image's entrypoint starts the server once for its init scripts, then again for real.
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 2)
                        .withStartupTimeout(Duration.ofSeconds(60)));
        container.start();
        adminUrl = "jdbc:postgresql://" + urlHost(container.getHost()) + ":" + container.getMappedPort(CONTAINER_PORT)
                + "/postgres";
        user = "postgres";
        password = "";
    }

    private synchronized void drop() {
        if (container != null) {
            container.stop();
            container = null;
            database = null;
            return;
        }
        if (database == null) {
            return;
        }
        String name = database;
        database = null;
        try (Connection connection = connectAdmin(); Statement statement = connection.createStatement()) {
            // FORCE: a store under test may still hold pooled connections to it.
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the test database " + name + ": " + e.getMessage(), e);
        }
    }

    private Connection connectAdmin() throws SQLException {
        try {
            return connect(adminUrl);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to the PostgreSQL server at " + adminUrl + " as " + user + " ("
                    + e.getMessage() + "). Start the machine's server with: " + START_HINT
                    + " (or point SENSORFLOW_TEST_PG_URL at a server on loopback)", e.getSQLState(), e);
        }
    }

    private Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", CONNECT_TIMEOUT);
        return DriverManager.getConnection(url, properties);
    }

    /**
     * The URL's effective target (pgjdbc's own parse, so that {@code ?PGHOST=...} or a host list cannot slip past)
     * when it is a single loopback server; otherwise an {@link IllegalArgumentException}: tests create and drop
     * databases, which must never happen on a shared or remote server.
     */
    static Properties requireLoopback(String jdbcUrl) {
        Properties parsed = Driver.parseURL(jdbcUrl, null);
        if (parsed == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        String host = parsed.getProperty("PGHOST", "");
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!LOOPBACK.contains(bare.toLowerCase(java.util.Locale.ROOT))
                || parsed.getProperty("PGPORT", "").contains(",")) {
            throw new IllegalArgumentException("tests only use a PostgreSQL server on loopback (127.0.0.1, localhost "
                    + "or ::1), not '" + host + "' (" + jdbcUrl + ")");
        }
        parsed.setProperty("PGHOST", bare);
        return parsed;
    }

    /** The admin URL's own parameters (sslmode, ...), for the test database's URL. */
    private static String parameters(Properties parsed) {
        TreeMap<String, String> rest = new TreeMap<>();
        parsed.stringPropertyNames().stream()
                .filter(key -> !Set.of("PGHOST", "PGPORT", "PGDBNAME").contains(key))
                .forEach(key -> rest.put(key, parsed.getProperty(key)));
        return rest.isEmpty() ? "" : rest.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&", "?", ""));
    }

    private static String urlHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private String env(String name, String fallback) {
        String value = env.apply(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String suffix() {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 12; i++) {
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
        return "jdbc:postgresql://" + urlHost(host) + ":" + port + "/" + databaseName() + parameters;
    }

    public String user() {
        return user;
    }

    /** The password; an empty string with trust authentication. */
    public String password() {
        return password;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String databaseName() {
        if (database == null) {
            throw new IllegalStateException("no test database: not created yet, or already dropped");
        }
        return database;
    }

    /**
     * A scalar query on a fresh connection to the test database, e.g. {@code count("SELECT count(*) FROM t")};
     * 0 when it returns no row, and -1 when it fails (a table not created yet, say), so that tests can poll it.
     */
    public long count(String sql) {
        try (Connection connection = connect(jdbcUrl());
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }
}
