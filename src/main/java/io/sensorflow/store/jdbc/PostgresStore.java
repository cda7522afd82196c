package io.sensorflow.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoreType;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The server store: PostgreSQL through a HikariCP pool, connected and migrated here. One connection at a time writes
 * (serialised by the transactor); the others answer queries. When the server goes away, writes fail and the pipeline
 * retries them with backoff, holding back acknowledgements; the pool reconnects when the server is back.
 */
public final class PostgresStore extends JdbcStore {

    /** How often the server is asked whether it is there, so that readiness follows it between writes. */
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** How often the tables' statistics are looked at ({@link PlannerStatistics}). */
    private static final Duration ANALYZE_INTERVAL = Duration.ofSeconds(10);
    /** How long the probe waits for the server's answer, in seconds. */
    private static final int PROBE_TIMEOUT_SECONDS = 2;

    /** {@code store.type = postgres}. */
    public static final StoreType TYPE = new StoreType("postgres", PostgresStore::open, PostgresStore::openReadOnly);

    private final HikariDataSource pool;
    /** The connections that answer queries, so that a busy API never takes one the writer needs. */
    private final HikariDataSource readPool;

    private PostgresStore(StoreConfig config, HikariDataSource pool, HikariDataSource readPool) {
        super(config, new PostgresDialect(pool, readPool, config.postgres().url()));
        this.pool = pool;
        this.readPool = readPool;
    }

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
        HikariDataSource pool = connect(pg, "sensorflow-store", pg.pool());
        HikariDataSource readPool;
        try {
            readPool = connect(pg, "sensorflow-store-read", config.readConnections());
        } catch (StoreException e) {
            pool.close();
            throw e;
        }
        try {
            migrate(pool, "postgresql", pg.url(), readOnly);
        } catch (RuntimeException e) {
            pool.close();
            readPool.close();
            if (e instanceof StoreException store) {
                throw store;
            }
            throw new StoreException("cannot migrate the schema of " + pg.url() + ": "
                    + PostgresDialect.rootMessage(e), e);
        }
        PostgresStore store = new PostgresStore(config, pool, readPool);
        if (readOnly) {
            store.startReadOnly();
            return store;
        }
        try {
            store.start();
        } catch (RuntimeException e) {
            pool.close();
            readPool.close();
            throw e;
        }
        store.jobs().every("postgres-probe", MAINTENANCE, PROBE_INTERVAL, PROBE_INTERVAL, store::probe);
        PlannerStatistics statistics = new PlannerStatistics(pool);
        store.jobs().every("postgres-analyze", MAINTENANCE, ANALYZE_INTERVAL, ANALYZE_INTERVAL,
                statistics::analyzeStale);
        return store;
    }

    /** Keeps readiness true to the server when no write has come along to find out; fails while it is away. */
    private void probe() {
        String unanswered;
        try (Connection connection = pool.getConnection()) {
            unanswered = connection.isValid(PROBE_TIMEOUT_SECONDS) ? null
                    : "the server did not answer within " + PROBE_TIMEOUT_SECONDS + " s";
        } catch (SQLException | RuntimeException e) {
            unanswered = "the server does not answer: " + PostgresDialect.rootMessage(e);
        }
        transactor().health(unanswered == null, unanswered);
        if (unanswered != null) {
            throw new StoreException(unanswered, null);
        }
    }

    private static HikariDataSource connect(StoreConfig.Postgres pg, String name, int size) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setJdbcUrl(pg.url());
        hikari.setUsername(pg.user());
        hikari.setPassword(pg.password());
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(Math.max(250, pg.connectTimeout().toMillis()));
        hikari.setValidationTimeout(Math.max(250, Math.min(pg.connectTimeout().toMillis(), 5000)));
        // A socket timeout bounds a write stuck on a server that vanished without closing the connection.
        hikari.addDataSourceProperty("socketTimeout", "60");
        hikari.addDataSourceProperty("tcpKeepAlive", "true");
        try {
            return new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to PostgreSQL at " + pg.url() + " as " + pg.user() + ": "
                    + PostgresDialect.rootMessage(e), e);
        }
    }

    @Override
    public void close() {
        closeStore();
        readPool.close();
        pool.close();
    }
}
