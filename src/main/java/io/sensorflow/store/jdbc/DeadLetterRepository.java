package io.sensorflow.store.jdbc;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.store.StoredDeadLetter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Payloads that could not become readings (or actions that failed), kept with the reason, for inspection. */
final class DeadLetterRepository {

    private static final String INSERT_DEAD_LETTER =
            "INSERT INTO dead_letters (origin, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)";

    private final Dialect dialect;
    private final Transactor transactor;

    DeadLetterRepository(Dialect dialect, Transactor transactor) {
        this.dialect = dialect;
        this.transactor = transactor;
    }

    /** Adds dead letters in the caller's transaction. */
    void write(Connection connection, List<DeadLetter> deadLetters) throws SQLException {
        Jdbc.batch(connection, INSERT_DEAD_LETTER, deadLetters,
                d -> new Object[] {d.origin(), d.topic(), d.reason(), d.detail(), d.payload(), d.receivedAt()});
    }

    List<StoredDeadLetter> list(long from, long to, String origin, String reason, long before, int limit) {
        Jdbc.Filters filters = new Jdbc.Filters(from, to, before).equal("origin", origin).equal("reason", reason);
        String sql = "SELECT id, origin, topic, reason, detail, payload, received_at FROM dead_letters "
                + "WHERE received_at >= ? AND received_at < ? AND id < ?" + filters.sql() + " ORDER BY id DESC LIMIT ?";
        return dialect.query("reading dead letters", sql, filters.binder(limit),
                rs -> new StoredDeadLetter(rs.getLong(1), new DeadLetter(rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getBytes(6), rs.getLong(7))));
    }

    /** Deletes what was received before {@code cutoff}, in a transaction of its own; how many. */
    long deleteReceivedBefore(long cutoff) {
        return transactor.update("dead-letter retention", "DELETE FROM dead_letters WHERE received_at < ?",
                Jdbc.values(cutoff));
    }
}
