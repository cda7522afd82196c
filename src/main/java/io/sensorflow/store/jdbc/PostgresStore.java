package io.sensorflow.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sensorflow.store.Rollups;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoreType;
import org.flywaydb.core.Flyway;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server store: PostgreSQL through a HikariCP pool. One connection at a time writes (serialised by
 * {@link JdbcStore}); the others answer queries. When the server goes away, writes fail and the pipeline retries them
 * with backoff, holding back acknowledgements; the pool reconnects when the server is back.
 */
public final class PostgresStore extends JdbcStore {

    // One statement per batch: arrays travel as three parameters, and RETURNING names exactly the new rows.
    private static final String INSERT_READINGS = "INSERT INTO readings (series, ts, value) "
            + "SELECT * FROM unnest(?::integer[], ?::bigint[], ?::double precision[]) "
            + "ON CONFLICT DO NOTHING RETURNING series, ts, value";
    private static final String LATEST = "SELECT s.sensor, s.metric, r.value, r.ts, s.tags, s.unit FROM series s "
            + "CROSS JOIN LATERAL (SELECT ts, value FROM readings WHERE series = s.id ORDER BY ts DESC LIMIT 1) r";

    private final HikariDataSource pool;

    private PostgresStore(StoreConfig config, HikariDataSource pool) {
        super(config);
        this.pool = pool;
    }

    /** {@code store.type = postgres}. */
    public static final StoreType TYPE = new StoreType("postgres", PostgresStore::open, PostgresStore::openReadOnly);

    /** Connects, brings the schema up to date and loads the series; fails with the server's own reason if it can't. */
    public static PostgresStore open(StoreConfig config) {
        return open(config, false);
    }

    /** Connects for reading only, beside daemons that may be writing. */
    public static PostgresStore openReadOnly(StoreConfig config) {
        return open(config, true);
    }

    private static PostgresStore open(StoreConfig config, boolean readOnly) {
        StoreConfig.Postgres pg = config.postgres();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("sensorflow-store");
        hikari.setJdbcUrl(pg.url());
        hikari.setUsername(pg.user());
        hikari.setPassword(pg.password());
        hikari.setMaximumPoolSize(pg.pool());
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(Math.max(250, pg.connectTimeout().toMillis()));
        hikari.setValidationTimeout(Math.max(250, Math.min(pg.connectTimeout().toMillis(), 5000)));
        // A socket timeout bounds a write stuck on a server that vanished without closing the connection.
        hikari.addDataSourceProperty("socketTimeout", "60");
        hikari.addDataSourceProperty("tcpKeepAlive", "true");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to PostgreSQL at " + pg.url() + " as " + pg.user() + ": "
                    + rootMessage(e), e);
        }
        try {
            Flyway flyway = Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration/postgresql")
                    .loggers("slf4j")
                    .load();
            if (readOnly) {
                // A tool that only reads must not create or change a schema: it checks there is a current one.
                requireCurrentSchema(flyway, pg.url());
            } else {
                flyway.migrate();
            }
        } catch (RuntimeException e) {
            pool.close();
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException("cannot migrate the schema of " + pg.url() + ": " + rootMessage(e), e);
        }
        PostgresStore store = new PostgresStore(config, pool);
        if (readOnly) {
            store.startReadOnly();
            return store;
        }
        try {
            store.start();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        store.maintenance().scheduleWithFixedDelay(store::probe, 2, 2, TimeUnit.SECONDS);
        return store;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    /** Keeps readiness true to the server when no write has come along to find out. */
    private void probe() {
        try (Connection connection = pool.getConnection()) {
            healthy(connection.isValid(2));
        } catch (SQLException | RuntimeException e) {
            healthy(false);
        }
    }

    @Override
    protected Connection acquireWriter() throws SQLException {
        Connection connection = pool.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    @Override
    protected void releaseWriter(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // The pool evicts a broken connection by itself.
        }
    }

    @Override
    protected <T> T read(String what, SqlFunction<Connection, T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.apply(connection);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException(what + " from " + describe() + " failed: " + rootMessage(e), e);
        }
    }

    @Override
    protected void beginStreaming(Connection connection) throws SQLException {
        // The driver fetches in chunks (setFetchSize) only inside a transaction; otherwise it reads everything.
        connection.setAutoCommit(false);
    }

    @Override
    protected void endStreaming(Connection connection) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(true);
    }

    @Override
    protected Fresh insertReadings(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        org.postgresql.PGConnection pg = connection.unwrap(org.postgresql.PGConnection.class);
        Array seriesArray = pg.createArrayOf("int4", java.util.Arrays.copyOf(series, count));
        Array tsArray = pg.createArrayOf("int8", java.util.Arrays.copyOf(timestamps, count));
        Array valueArray = pg.createArrayOf("float8", java.util.Arrays.copyOf(values, count));
        int fresh = 0;
        try (PreparedStatement insert = connection.prepareStatement(INSERT_READINGS)) {
            insert.setArray(1, seriesArray);
            insert.setArray(2, tsArray);
            insert.setArray(3, valueArray);
            try (ResultSet rs = insert.executeQuery()) {
                while (rs.next()) {
                    series[fresh] = rs.getInt(1);
                    timestamps[fresh] = rs.getLong(2);
                    values[fresh] = rs.getDouble(3);
                    fresh++;
                }
            }
        }
        return new Fresh(series, timestamps, values, fresh);
    }

    /** One statement per table and commit, arrays as parameters, like the readings. */
    @Override
    protected void mergeRollups(Connection connection, String table, List<Rollups.Delta> deltas)
            throws SQLException {
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
        org.postgresql.PGConnection pg = connection.unwrap(org.postgresql.PGConnection.class);
        try (PreparedStatement merge = connection.prepareStatement(mergeRollupsSql(table,
                "SELECT * FROM unnest(?::integer[], ?::bigint[], ?::double precision[], ?::double precision[], "
                        + "?::double precision[], ?::bigint[], ?::bigint[], ?::double precision[])"))) {
            merge.setArray(1, pg.createArrayOf("int4", series));
            merge.setArray(2, pg.createArrayOf("int8", bucket));
            merge.setArray(3, pg.createArrayOf("float8", min));
            merge.setArray(4, pg.createArrayOf("float8", max));
            merge.setArray(5, pg.createArrayOf("float8", sum));
            merge.setArray(6, pg.createArrayOf("int8", count));
            merge.setArray(7, pg.createArrayOf("int8", lastTs));
            merge.setArray(8, pg.createArrayOf("float8", last));
            merge.executeUpdate();
        }
    }

    @Override
    protected String greatest() {
        return "GREATEST";
    }

    @Override
    protected String least() {
        return "LEAST";
    }

    @Override
    protected List<String> latestQueries() {
        return List.of(LATEST);
    }

    @Override
    protected String describe() {
        return "postgres store " + config.postgres().url();
    }

    @Override
    public void close() {
        closeStore();
        pool.close();
    }
}
