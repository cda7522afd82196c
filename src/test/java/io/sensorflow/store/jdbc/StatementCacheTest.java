package io.sensorflow.store.jdbc;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class StatementCacheTest {

    @Test
    void aClosedStatementIsHandedOutAgainWithNothingLeftBoundOrBatched() throws Exception {
        try (Connection connection = withTable()) {
            PreparedStatement first;
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t VALUES (?)")) {
                first = insert;
                insert.setInt(1, 1);
                insert.addBatch();
                insert.executeBatch();
                insert.setInt(1, 2);
                insert.addBatch(); // left in the batch: closing must drop it
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t VALUES (?)")) {
                assertThat(insert).isSameAs(first);
                assertThat(insert.executeBatch()).isEmpty();
            }
            assertThat(count(connection)).isEqualTo(1);
        }
    }

    @Test
    void aStatementThatCarriedALargeBatchIsNotKeptSoItsGrownArrayIsNotWalkedOnEveryCommit() throws Exception {
        try (Connection connection = withTable()) {
            PreparedStatement large;
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t VALUES (?)")) {
                large = insert;
                // Bound on the driver's own statement, as the repositories do.
                PreparedStatement driver = Jdbc.driverStatement(insert);
                for (int i = 0; i < 1_100; i++) {
                    driver.setInt(1, i);
                    driver.addBatch();
                }
                driver.executeBatch();
                assertThat(StatementCache.batchSlots(driver)).isGreaterThan(1024);
            }
            PreparedStatement small;
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t VALUES (?)")) {
                assertThat(insert).isNotSameAs(large);
                small = insert;
                for (int i = 0; i < 64; i++) {
                    insert.setInt(1, i);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            assertThat(connection.prepareStatement("INSERT INTO t VALUES (?)")).isSameAs(small);
            assertThat(count(connection)).isEqualTo(1_164);
        }
    }

    @Test
    void theSameSqlWhileItsStatementIsOpenGetsAStatementOfItsOwn() throws Exception {
        try (Connection connection = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite::memory:"))) {
            try (PreparedStatement outer = connection.prepareStatement("SELECT 1");
                 ResultSet rs = outer.executeQuery();
                 PreparedStatement inner = connection.prepareStatement("SELECT 1")) {
                assertThat(inner).isNotSameAs(outer);
                assertThat(inner.executeQuery().next()).isTrue();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void keepsAtMostSixtyFourStatementsAndClosesThoseItDrops() throws Exception {
        try (Connection connection = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite::memory:"))) {
            PreparedStatement oldest = connection.prepareStatement("SELECT 0");
            oldest.close();
            for (int i = 1; i <= 64; i++) {
                connection.prepareStatement("SELECT " + i).close();
            }
            // "SELECT 0" was dropped: asking again prepares a new one.
            assertThat(connection.prepareStatement("SELECT 0")).isNotSameAs(oldest);
        }
    }

    /** A cached connection to a fresh in-memory database with one table, {@code t (x INTEGER)}. */
    private static Connection withTable() throws Exception {
        Connection connection = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite::memory:"));
        try (Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE t (x INTEGER)");
        }
        return connection;
    }

    private static long count(Connection connection) throws Exception {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
