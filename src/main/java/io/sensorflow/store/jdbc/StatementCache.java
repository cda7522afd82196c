package io.sensorflow.store.jdbc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection that keeps one prepared statement per SQL text and hands it out again, for SQLite's single writer.
 * The SQLite driver prepares (parses and plans) every statement anew, about 20 µs and a UTF-8 copy of the SQL each;
 * a commit prepares several, and at 5,000 readings/s the writer commits 2,500 times a second. Closing a statement
 * from here only clears its parameters and batch; the statements are closed with the connection.
 *
 * <p>Only for a connection used by one thread at a time (the store's lock) and kept open for the store's life.
 */
final class StatementCache implements InvocationHandler {

    /** Statements kept; SQL built with a varying number of placeholders (retention's IN lists) must not grow it. */
    private static final int SIZE = 64;
    /**
     * Parameter slots of a statement's batch array above which it is not kept (see {@code close} of a handed
     * statement): 64 rows of 16 parameters.
     */
    private static final int LARGE_BATCH_SLOTS = 1024;
    /**
     * The driver's batch array ({@code CoreStatement.batch}), read to see how large it has grown; null with a driver
     * that has no such field, which then keeps every statement as before. Callers bind rows on the driver's own
     * statement ({@link Jdbc#driverStatement}), past this cache, so counting rows here would miss them.
     */
    private static final VarHandle BATCH = batchHandle();

    /** A cached statement: the driver's own, and what callers get. */
    private static final class Entry {
        final PreparedStatement real;
        PreparedStatement handed;
        boolean inUse;

        Entry(PreparedStatement real) {
            this.real = real;
        }
    }

    private final Connection connection;
    private final Map<String, Entry> statements = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            if (size() <= SIZE) {
                return false;
            }
            if (!eldest.getValue().inUse) {
                closeQuietly(eldest.getValue().real);
            }
            return true;
        }
    };

    private StatementCache(Connection connection) {
        this.connection = connection;
    }

    static Connection wrap(Connection connection) {
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new StatementCache(connection));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("prepareStatement") && args != null && args.length == 1) {
            return prepare((String) args[0]);
        }
        if (name.equals("close")) {
            statements.values().forEach(entry -> closeQuietly(entry.real));
            statements.clear();
        }
        try {
            return method.invoke(connection, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Closes every cached statement of {@code connection} (one that {@link #wrap} made), to be prepared anew. */
    static void reset(Connection connection) {
        if (Proxy.isProxyClass(connection.getClass())
                && Proxy.getInvocationHandler(connection) instanceof StatementCache cache) {
            cache.statements.values().forEach(entry -> closeQuietly(entry.real));
            cache.statements.clear();
        }
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        Entry entry = statements.get(sql);
        if (entry != null && entry.inUse) {
            // The same SQL while its statement is still open (a nested use): a statement of its own.
            return connection.prepareStatement(sql);
        }
        if (entry == null || entry.real.isClosed()) {
            Entry created = new Entry(connection.prepareStatement(sql));
            created.handed = (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, (p, method, args) -> {
                        if (method.getName().equals("close")) {
                            // Back to the cache: the next transaction binds it afresh.
                            if (created.inUse) {
                                created.inUse = false;
                                if (batchSlots(created.real) > LARGE_BATCH_SLOTS) {
                                    // The driver keeps a batch's parameter array at its largest size and nulls all of
                                    // it on every executeBatch and clearBatch: after one batch of 5,000 rows, every
                                    // later commit of three rows walked tens of thousands of slots (41 % of the
                                    // writer's CPU at 5,000 readings/s). A fresh statement starts small again.
                                    statements.remove(sql, created);
                                    created.real.close();
                                } else if (statements.get(sql) == created) {
                                    created.real.clearBatch();
                                    created.real.clearParameters();
                                } else {
                                    // Evicted while it was open.
                                    created.real.close();
                                }
                            }
                            return null;
                        }
                        try {
                            return method.invoke(created.real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            statements.put(sql, created);
            entry = created;
        }
        entry.inUse = true;
        return entry.handed;
    }

    private static VarHandle batchHandle() {
        try {
            Class<?> core = Class.forName("org.sqlite.core.CoreStatement");
            return MethodHandles.privateLookupIn(core, MethodHandles.lookup()).findVarHandle(core, "batch",
                    Object[].class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** How many parameter slots the statement's batch array has grown to; 0 where that cannot be seen. */
    static int batchSlots(PreparedStatement statement) {
        if (BATCH == null || !BATCH.coordinateTypes().get(0).isInstance(statement)) {
            return 0;
        }
        Object[] batch = (Object[]) BATCH.get(statement);
        return batch == null ? 0 : batch.length;
    }

    private static void closeQuietly(PreparedStatement statement) {
        try {
            statement.close();
        } catch (SQLException e) {
            // Closing the connection releases it anyway.
        }
    }
}
