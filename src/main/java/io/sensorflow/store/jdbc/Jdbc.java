package io.sensorflow.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** The JDBC shapes the repositories share: a query into a list, a batch of one statement, and their callbacks. */
final class Jdbc {

    private Jdbc() {
    }

    @FunctionalInterface
    interface SqlFunction<A, B> {
        B apply(A value) throws SQLException;
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** The parameters of one item of a batch, in order. */
    @FunctionalInterface
    interface Values<T> {
        Object[] of(T item) throws SQLException;
    }

    /** Reads the current row. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Takes the current row. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    static final Binder NO_PARAMETERS = statement -> { };

    /**
     * Binds values to the parameters in order; null binds SQL NULL. Both drivers bind a boxed Integer, Long, Double,
     * String or byte[] as its typed setter does. Not for the loops that bind thousands of readings.
     */
    static Binder values(Object... values) {
        return statement -> bind(statement, values);
    }

    private static void bind(PreparedStatement statement, Object[] values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
    }

    /**
     * The parameters of a query with optional equality filters: the fixed ones first, then {@code AND column = ?} for
     * each filter given a value (a null one leaves its column unfiltered), then the trailing ones.
     */
    static final class Filters {

        private final StringBuilder sql = new StringBuilder();
        private final List<Object> values = new ArrayList<>();

        Filters(Object... fixed) {
            values.addAll(Arrays.asList(fixed));
        }

        Filters equal(String column, Object value) {
            if (value != null) {
                sql.append(" AND ").append(column).append(" = ?");
                values.add(value);
            }
            return this;
        }

        /** The filters' SQL, to follow the fixed conditions. */
        String sql() {
            return sql.toString();
        }

        Binder binder(Object... trailing) {
            List<Object> all = new ArrayList<>(values);
            all.addAll(Arrays.asList(trailing));
            return values(all.toArray());
        }
    }

    /** Runs one statement; how many rows it changed. */
    static int update(Connection connection, String sql, Binder binder) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            return statement.executeUpdate();
        }
    }

    /** Every row of a query. */
    static <T> List<T> list(Connection connection, String sql, Binder binder, Row<T> row) throws SQLException {
        List<T> result = new ArrayList<>();
        forEach(connection, sql, binder, rs -> result.add(row.read(rs)));
        return result;
    }

    /** Hands each row of a query to {@code row} as it is read. */
    static void forEach(Connection connection, String sql, Binder binder, RowConsumer row) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            binder.bind(query);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
        }
    }

    /** Runs one statement for each item as a batch, if there are any; the update counts. */
    static <T> int[] batch(Connection connection, String sql, Collection<T> items, Values<T> values)
            throws SQLException {
        if (items.isEmpty()) {
            return new int[0];
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (T item : items) {
                bind(statement, values.of(item));
                statement.addBatch();
            }
            return statement.executeBatch();
        }
    }

    /**
     * The driver's own statement behind a pooled or cached one, for loops that bind thousands of parameters: each call
     * through {@link StatementCache}'s reflective proxy cost about as much as the bind itself. The handle stays the
     * thing to close, so the statement still goes back to its cache or pool.
     */
    static PreparedStatement driverStatement(PreparedStatement handle) throws SQLException {
        return handle.isWrapperFor(PreparedStatement.class) ? handle.unwrap(PreparedStatement.class) : handle;
    }
}
