package io.sensorflow.store.jdbc;

import io.sensorflow.store.StoreException;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The store's one writer: runs write transactions one at a time (its monitor is the writer's lock, which callers
 * also hold to read or change in-memory state that only the writer touches), and once a transaction has committed,
 * never if it rolled back, what it does in memory. Knows whether the store can be written to, and refuses writes
 * once closed or when opened read-only.
 */
final class Transactor {

    /** What a transaction returns, and what to do in memory once it has committed. */
    record Commit<T>(T result, Runnable afterCommit) {

        static <T> Commit<T> of(T result) {
            return new Commit<>(result, () -> { });
        }
    }

    private final Dialect dialect;
    /** Why the store cannot be written to; null while it can. */
    private volatile String unhealthy;
    private volatile boolean closed;
    private volatile boolean readOnly;
    /**
     * A write failed, possibly after its COMMIT reached the server (a connection lost mid-commit): whether what it
     * wrote is in the tables is unknown. Before the next transaction, {@link #repair} recomputes what was derived
     * from it (the rollups, from raw readings, which are exact either way).
     */
    private boolean suspect;
    private boolean repairing;
    private Runnable repair = () -> { };

    Transactor(Dialect dialect) {
        this.dialect = dialect;
    }

    /** What to run before the next transaction after one has failed; it may run transactions itself. */
    synchronized void repairAfterFailureWith(Runnable repair) {
        this.repair = repair;
    }

    /** Runs one write transaction on the writer. */
    synchronized <T> T transaction(String what, Jdbc.SqlFunction<Connection, Commit<T>> work) {
        if (closed) {
            throw new StoreException(dialect.describe() + " is closed", null);
        }
        if (readOnly) {
            throw new StoreException(dialect.describe() + " was opened read-only", null);
        }
        if (suspect && !repairing) {
            repairing = true;
            try {
                repair.run();
                suspect = false;
            } finally {
                repairing = false;
            }
        }
        Connection connection = null;
        try {
            connection = dialect.acquireWriter();
            Commit<T> commit = work.apply(connection);
            connection.commit();
            commit.afterCommit().run();
            unhealthy = null;
            return commit.result();
        } catch (SQLException | RuntimeException e) {
            boolean refused = e instanceof StoreException store && store.refusedData() || dialect.refusesData(e);
            // Refused data fails before the COMMIT: nothing can have reached the tables, and the store is fine.
            suspect |= !refused;
            if (connection != null) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                if (!refused) {
                    dialect.writerFailed(connection);
                }
            }
            StoreException failure = e instanceof StoreException store && store.refusedData() == refused ? store
                    : new StoreException(e instanceof StoreException ? e.getMessage()
                            : what + " to " + dialect.describe() + " failed: " + e.getMessage(), e, refused);
            if (!refused) {
                unhealthy = "last write failed: " + failure.getMessage();
            }
            throw failure;
        } finally {
            if (connection != null) {
                dialect.releaseWriter(connection);
            }
        }
    }

    /** One statement in a transaction of its own, for the rare writes that come from the API or retention. */
    int update(String what, String sql, Jdbc.Binder binder) {
        return transaction(what, connection -> Commit.of(Jdbc.update(connection, sql, binder)));
    }

    boolean isHealthy() {
        return unhealthy == null;
    }

    /** Why the store cannot be written to, or null. */
    String unhealthy() {
        return unhealthy;
    }

    /** Marks the store healthy or not from outside a write, e.g. after a connection check. */
    void health(boolean healthy, String reason) {
        unhealthy = healthy ? null : reason;
    }

    /**
     * For tools that only read (export) while a daemon may be writing: every write refused, so the tool never races
     * the daemon's own bookkeeping.
     */
    void readOnly() {
        readOnly = true;
    }

    boolean isReadOnly() {
        return readOnly;
    }

    /** From now on every transaction is refused; the caller holds the lock. */
    void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }
}
