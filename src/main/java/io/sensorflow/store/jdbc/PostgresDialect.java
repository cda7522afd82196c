package io.sensorflow.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreException;
import io.sensorflow.telemetry.Redact;
import org.postgresql.PGConnection;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * PostgreSQL under the repositories: connections from a HikariCP pool, one of them writing at a time, reads from a
 * pool of their own, and batches sent as arrays, one statement per table and commit.
 */
final class PostgresDialect implements Dialect {

    /**
     * SQLSTATE classes of refused data: 22 (data exception: a NUL in text, a value out of range, bad encoding), 23
     * (integrity constraint) and 54 (program limit: an index row too large).
     */
    @Override
    public boolean refusesData(Throwable failure) {
        for (SQLException e : Dialect.chain(failure)) {
            String state = e.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"))) {
                return true;
            }
        }
        return false;
    }

    // One statement per batch: arrays travel as three parameters, and RETURNING names exactly the new rows.
    private static final String INSERT_READINGS = "INSERT INTO readings (series, ts, value) "
            + "SELECT * FROM unnest(?::integer[], ?::bigint[], ?::double precision[]) "
            + "ON CONFLICT DO NOTHING RETURNING series, ts, value";
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags, s.unit FROM series s "
            + "CROSS JOIN LATERAL (SELECT ts, value FROM readings WHERE series = s.id ORDER BY ts DESC LIMIT 1) r";

    private final HikariDataSource pool;
    private final HikariDataSource readPool;
    private final String url;

    PostgresDialect(HikariDataSource pool, HikariDataSource readPool, String url) {
        this.pool = pool;
        this.readPool = readPool;
        this.url = url;
    }

    @Override
    public Connection acquireWriter() throws SQLException {
        Connection connection = pool.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    @Override
    public void releaseWriter(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // The pool evicts a broken connection by itself.
        }
    }

    @Override
    public <T> T read(String what, Jdbc.SqlFunction<Connection, T> work) {
        try (Connection connection = readPool.getConnection()) {
            return work.apply(connection);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException(what + " from " + describe() + " failed: " + rootMessage(e), e);
        }
    }

    @Override
    public void beginStreaming(Connection connection) throws SQLException {
        // The driver fetches in chunks (setFetchSize) only inside a transaction; otherwise it reads everything.
        connection.setAutoCommit(false);
    }

    @Override
    public void endStreaming(Connection connection) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(true);
    }

    @Override
    public Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        int fresh = 0;
        try (PreparedStatement insert = connection.prepareStatement(INSERT_READINGS)) {
            bindArrays(insert, List.of("int4", "int8", "float8"), Arrays.copyOf(series, count),
                    Arrays.copyOf(timestamps, count), Arrays.copyOf(values, count));
            try (ResultSet rs = insert.executeQuery()) {
                while (rs.next()) {
                    series[fresh] = rs.getInt(1);
                    timestamps[fresh] = rs.getLong(2);
                    values[fresh] = rs.getDouble(3);
                    fresh++;
                }
            }
        }
        return new Fresh(series, timestamps, values, fresh, Fresh.NOTHING);
    }

    /** One statement per table and commit, arrays as parameters, like the readings. */
    @Override
    public void mergeRollups(Connection connection, String table, List<Rollups.Delta> deltas) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        int n = deltas.size();
        int[] series = new int[n];
        long[] bucket = new long[n];
        double[] min = new double[n];
        double[] max = new double[n];
        double[] sum = new double[n];
        long[] count = new long[n];
        long[] lastTs = new long[n];
        double[] last = new double[n];
        for (int i = 0; i < n; i++) {
            Rollups.Delta d = deltas.get(i);
            series[i] = d.series();
            bucket[i] = d.bucket().start();
            min[i] = d.bucket().min();
            max[i] = d.bucket().max();
            sum[i] = d.bucket().sum();
            count[i] = d.bucket().count();
            lastTs[i] = d.bucket().lastTs();
            last[i] = d.bucket().last();
        }
        try (PreparedStatement merge = connection.prepareStatement(rollupUpsert(table,
                "SELECT * FROM unnest(?::integer[], ?::bigint[], ?::double precision[], ?::double precision[], "
                        + "?::double precision[], ?::bigint[], ?::bigint[], ?::double precision[])"))) {
            bindArrays(merge, List.of("int4", "int8", "float8", "float8", "float8", "int8", "int8", "float8"), series,
                    bucket, min, max, sum, count, lastTs, last);
            merge.executeUpdate();
        }
    }

    /** Binds each primitive array as one parameter, in order, as a PostgreSQL array of the given element type. */
    private static void bindArrays(PreparedStatement statement, List<String> types, Object... arrays)
            throws SQLException {
        PGConnection pg = statement.getConnection().unwrap(PGConnection.class);
        for (int i = 0; i < arrays.length; i++) {
            statement.setArray(i + 1, pg.createArrayOf(types.get(i), arrays[i]));
        }
    }

    @Override
    public String skipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    @Override
    public String greatest() {
        return "GREATEST";
    }

    @Override
    public String least() {
        return "LEAST";
    }

    @Override
    public List<String> latestQueries() {
        return List.of(LATEST);
    }

    @Override
    public String describe() {
        // A JDBC URL may carry the password (?password=, user:password@): never into a log line or an error.
        try {
            return "postgres store jdbc:" + Redact.url(URI.create(url.substring("jdbc:".length())));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return "postgres store (an unreadable JDBC URL)";
        }
    }

    /** The innermost cause's message: the driver's own reason, not the pool's wrapping of it. */
    static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
