package io.sensorflow.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A throwaway database on the machine's PostgreSQL (127.0.0.1:5432, trust auth), for one benchmark run. */
final class BenchDatabase implements AutoCloseable {

    private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    final String name;

    private BenchDatabase(String name) {
        this.name = name;
    }

    static BenchDatabase create() throws SQLException {
        String name = "sensorflow_bench_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new BenchDatabase(name);
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:5432/" + name;
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop " + name + ": " + e.getMessage());
        }
    }
}
