package io.sensorflow.testing;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The database fixtures themselves: {@link PostgresDatabase} gives an empty database of its own and drops it, and
 * never touches a server off loopback; {@link PrivatePostgres} survives a stop and a kill with its data and port.
 */
class PostgresExtensionsIT {

    @RegisterExtension
    static final PostgresDatabase PG = new PostgresDatabase();
    @RegisterExtension
    static final PrivatePostgres SERVER = new PrivatePostgres();

    private static final String USER_TABLES = "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
            + "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            + "AND n.nspname NOT LIKE 'pg_toast%'";

    @BeforeEach
    void serverUp() throws Exception {
        SERVER.start(); // does nothing when it runs; brings it back if an earlier test failed while it was down
    }

    private static String exists(String database) {
        return "SELECT count(*) FROM pg_database WHERE datname = '" + database + "'";
    }

    private static void execute(String url, String user, String password, String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, password);
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static Connection connect(PrivatePostgres server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
    }

    @Test
    void givesEachTestClassAnEmptyDatabaseOfItsOwnToCreateTablesIn(PostgresDatabase db) throws SQLException {
        assertThat(db).isSameAs(PG);
        assertThat(db.databaseName()).matches("sensorflow_test_[a-z]+");
        assertThat(db.host()).isIn("127.0.0.1", "localhost", "::1");
        assertThat(db.jdbcUrl()).contains(":" + db.port() + "/" + db.databaseName());
        assertThat(db.password()).isNotNull();
        assertThat(db.count("SELECT count(*) FROM pg_database WHERE datname = current_database() AND datname = '"
                + db.databaseName() + "'")).isEqualTo(1);
        assertThat(db.count(USER_TABLES)).isZero();

        execute(db.jdbcUrl(), db.user(), db.password(),
                "CREATE TABLE readings (id bigint PRIMARY KEY, value double precision)",
                "INSERT INTO readings VALUES (1, 21.5), (2, 22.0)");

        assertThat(db.count("SELECT count(*) FROM readings")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM no_such_table")).as("a failed query").isEqualTo(-1);
    }

    @Test
    void dropsAStandaloneDatabaseOnCloseEvenWhileAConnectionIsOpen() throws Exception {
        PostgresDatabase standalone = PostgresDatabase.createStandalone();
        String name = standalone.databaseName();
        String url = standalone.jdbcUrl();
        boolean sameServer = standalone.host().equals(PG.host()) && standalone.port() == PG.port();
        try (Connection open = DriverManager.getConnection(url, standalone.user(), standalone.password())) {
            assertThat(name).isNotEqualTo(PG.databaseName());
            assertThat(standalone.count(exists(name))).isEqualTo(1);
            assertThat(standalone.count(USER_TABLES)).isZero();

            standalone.close();

            assertThat(open.isValid(2)).as("the open connection ended by DROP ... WITH (FORCE)").isFalse();
        }
        standalone.close(); // a second close does nothing
        assertThatThrownBy(() -> DriverManager.getConnection(url, standalone.user(), standalone.password()).close())
                .isInstanceOf(SQLException.class);
        if (sameServer) {
            assertThat(PG.count(exists(name))).isZero();
        }
        assertThatThrownBy(standalone::databaseName).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesAServerThatIsNotOnLoopback() {
        for (String url : List.of(
                "jdbc:postgresql://db.example.com:5432/test",
                "jdbc:postgresql://10.0.0.5/test",
                "jdbc:postgresql://127.0.0.1.example.com/test",
                "jdbc:postgresql://127.0.0.1,db.example.com/test",
                "jdbc:postgresql://127.0.0.1:5432/test?PGHOST=db.example.com")) {
            PostgresDatabase db = new PostgresDatabase("local", Map.of("SENSORFLOW_TEST_PG_URL", url)::get);
            assertThatThrownBy(db::create).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only use a PostgreSQL server on loopback");
        }
    }

    @Test
    void acceptsEverySpellingOfLoopback() {
        for (String url : List.of(
                "jdbc:postgresql://127.0.0.1:5432/test",
                "jdbc:postgresql://localhost/test?sslmode=disable",
                "jdbc:postgresql://LOCALHOST/test",
                "jdbc:postgresql://[::1]:5433/test",
                "jdbc:postgresql:test")) {
            assertThatCode(() -> PostgresDatabase.requireLoopback(url)).as(url).doesNotThrowAnyException();
        }
    }

    @Test
    void aLocalServerThatIsDownIsAnErrorSayingHowToStartIt() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + MosquittoBroker.freePort() + "/test";
        PostgresDatabase db = new PostgresDatabase("local", Map.of("SENSORFLOW_TEST_PG_URL", url)::get);
        assertThatThrownBy(db::create)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");
    }

    @Test
    void aStoppedPrivateServerComesBackOnTheSamePortWithItsData(PrivatePostgres server) throws Exception {
        assertThat(server).isSameAs(SERVER);
        int port = server.port();
        assertThat(port).isNotEqualTo(5432);
        execute(server.jdbcUrl(), server.user(), "", "CREATE TABLE outage (id int PRIMARY KEY)",
                "INSERT INTO outage VALUES (1)");

        try (Connection held = connect(server)) {
            server.stop();
            assertThat(held.isValid(2)).as("a connection held across the stop").isFalse();
        }
        assertThatThrownBy(() -> connect(server).close()).isInstanceOf(SQLException.class);
        assertThat(server.count("SELECT count(*) FROM outage")).as("down").isEqualTo(-1);
        server.stop(); // stopping a stopped server does nothing

        server.start();
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.jdbcUrl()).contains("127.0.0.1:" + port + "/");
        assertThat(server.count("SELECT count(*) FROM outage WHERE id = 1")).isEqualTo(1);
    }

    @Test
    void aKilledPrivateServerRecoversItsCommittedRowsAndNoOthers(PrivatePostgres server) throws Exception {
        int port = server.port();
        execute(server.jdbcUrl(), server.user(), "", "CREATE TABLE crash (id int PRIMARY KEY)",
                "INSERT INTO crash SELECT generate_series(1, 1000)");
        Connection uncommitted = connect(server);
        uncommitted.setAutoCommit(false);
        try (Statement statement = uncommitted.createStatement()) {
            statement.execute("INSERT INTO crash VALUES (5000)");
        }

        server.kill();
        assertThat(uncommitted.isValid(2)).isFalse();
        uncommitted.close();
        assertThatThrownBy(() -> connect(server).close()).isInstanceOf(SQLException.class);

        server.start();
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.count("SELECT count(*) FROM crash")).isEqualTo(1000);
        assertThat(server.count("SELECT count(*) FROM crash WHERE id = 5000")).isZero();
        assertThat(Files.readString(server.directory().resolve("server.log")))
                .as("the server log: a crash, not a clean shutdown").contains("automatic recovery in progress");
    }

    @Test
    void aStandalonePrivateServerLeavesNeitherProcessNorFilesBehind() throws Exception {
        PrivatePostgres server = new PrivatePostgres();
        Path dir;
        try {
            server.start();
            dir = server.directory();
            assertThat(server.port()).isNotEqualTo(SERVER.port());
            assertThat(server.count("SELECT 1")).isEqualTo(1);
            assertThat(postmasters(dir)).hasSize(1);
        } finally {
            server.close();
        }
        assertThat(dir).doesNotExist();
        assertThat(postmasters(dir)).isEmpty();
        assertThatThrownBy(() -> connect(server).close()).isInstanceOf(SQLException.class);
        server.close(); // a second close does nothing
    }

    private static List<ProcessHandle> postmasters(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
                .toList();
    }
}
