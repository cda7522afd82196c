package io.sensorflow.store.jdbc;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.store.Delivery;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox: the deliveries each alert transition requires, written in the transaction that commits the transition,
 * and their progress. The transitions themselves stay in {@code alert_events}; a delivery names one by its key.
 */
final class DeliveryRepository {

    private static final String INSERT = "INSERT INTO deliveries (episode, state, ts, action, alert, status, "
            + "attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING";
    private static final String SELECT = "SELECT d.id, d.action, d.status, d.attempts, d.next_at, d.created_at, "
            + "d.finished_at, d.last_error, " + prefixed("e.") + " FROM deliveries d JOIN alert_events e "
            + "ON e.episode = d.episode AND e.state = d.state AND e.ts = d.ts ";
    private static final String UNCLAIMED = "claimed_by = NULL, claimed_until = NULL";

    private final Dialect dialect;
    private final Transactor transactor;
    /** Who this node is, while nodes share the outbox; null while this daemon is its only reader. */
    private volatile Claims claims;

    /** A node's claims on deliveries: its name, and how long a claim keeps other nodes off a delivery. */
    record Claims(String node, long leaseMillis) {
    }

    DeliveryRepository(Dialect dialect, Transactor transactor) {
        this.dialect = dialect;
        this.transactor = transactor;
    }

    private static String prefixed(String prefix) {
        List<String> columns = new ArrayList<>();
        for (String column : AlertRepository.COLUMNS.split(",\\s*")) {
            columns.add(prefix + column);
        }
        return String.join(", ", columns);
    }

    /** One pending delivery per action of each transition, due at once; a transition committed before adds none. */
    void enqueue(Connection connection, List<AlertEvent> events, long now) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        for (AlertEvent event : events) {
            for (String action : event.actions()) {
                rows.add(new Object[] {event.id(), Delivery.stateLabel(event), event.timestamp(), action,
                    Delivery.alertKey(event), now, now});
            }
        }
        if (!rows.isEmpty()) {
            Jdbc.batch(connection, INSERT, rows, row -> row);
        }
    }

    List<Delivery> list(Delivery.Status status, String action, long afterId, int limit) {
        String sql = SELECT + "WHERE d.status = ? AND d.id > ?" + (action == null ? "" : " AND d.action = ?")
                + " ORDER BY d.id LIMIT ?";
        Object[] values = action == null ? new Object[] {status.label(), afterId, limit}
                : new Object[] {status.label(), afterId, action, limit};
        return dialect.query("reading " + status.label() + " deliveries", sql, Jdbc.values(values),
                DeliveryRepository::delivery);
    }

    /**
     * From now on, {@link #due} claims what it returns for {@code node}, and passes over deliveries that another node
     * holds a live claim on.
     */
    void share(String node, long leaseMillis) {
        claims = new Claims(node, leaseMillis);
    }

    /**
     * Pending deliveries of {@code actions} due at {@code now} that nothing of their alert and action waits before,
     * except {@code skipIds}: the ones that may go now, oldest first. One whose predecessor waits for a retry waits
     * too, so order holds.
     */
    List<Delivery> due(long now, int limit, java.util.Collection<String> actions, java.util.Set<Long> skipIds) {
        Claims shared = claims;
        if (shared == null) {
            return dialect.read("reading due deliveries", connection -> rows(connection,
                    candidates(connection, now, limit, actions, skipIds, null), limit, skipIds));
        }
        return transactor.transaction("claiming due deliveries", connection -> {
            java.util.TreeSet<Long> candidates = candidates(connection, now, limit, actions, skipIds, shared);
            return Transactor.Commit.of(rows(connection, claim(connection, candidates, limit, skipIds, now, shared),
                    limit, skipIds));
        });
    }

    /** The ids that may be due, per action; with claims, only those no other node holds a live claim on. */
    private static java.util.TreeSet<Long> candidates(Connection connection, long now, int limit,
                                                      java.util.Collection<String> actions,
                                                      java.util.Set<Long> skipIds, Claims shared)
            throws SQLException {
        // One query per action, each walking only its own pending rows (index deliveries_due): a target that is
        // down may hold tens of thousands, and the other actions must not wait behind them. A delivery another node
        // runs is still pending, so the order check keeps its successors here too.
        String ids = "SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.action = ? AND d.next_at <= ?"
                + (shared == null ? "" : " AND (d.claimed_until IS NULL OR d.claimed_until <= ? OR d.claimed_by = ?)")
                + " AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.alert = d.alert AND p.action = d.action "
                + "AND p.status = 'pending' AND p.id < d.id) ORDER BY d.id LIMIT ?";
        java.util.TreeSet<Long> candidates = new java.util.TreeSet<>();
        try (java.sql.PreparedStatement query = connection.prepareStatement(ids)) {
            for (String action : actions) {
                int i = 1;
                query.setString(i++, action);
                query.setLong(i++, now);
                if (shared != null) {
                    query.setLong(i++, now);
                    query.setString(i++, shared.node());
                }
                query.setInt(i, limit + skipIds.size());
                try (java.sql.ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(rs.getLong(1));
                    }
                }
            }
        }
        return candidates;
    }

    /**
     * Of the candidates, those this node now holds: each row locked and passed over where another node's
     * transaction holds it ({@link Dialect#skipLocked}), checked again under the lock, and claimed until the lease
     * ends. Two nodes that read the same candidates therefore never both run one delivery; a node that dies holding
     * claims leaves them to the others when their lease ends.
     */
    private java.util.TreeSet<Long> claim(Connection connection, java.util.TreeSet<Long> candidates, int limit,
                                          java.util.Set<Long> skipIds, long now, Claims shared) throws SQLException {
        java.util.TreeSet<Long> claimed = new java.util.TreeSet<>();
        try (java.sql.PreparedStatement lock = connection.prepareStatement("SELECT id FROM deliveries WHERE id = ? "
                + "AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"
                + dialect.skipLocked());
             java.sql.PreparedStatement take = connection.prepareStatement("UPDATE deliveries SET claimed_by = ?, "
                     + "claimed_until = ? WHERE id = ?")) {
            for (long id : candidates) {
                if (claimed.size() == limit) {
                    break;
                }
                if (skipIds.contains(id)) {
                    continue;
                }
                lock.setLong(1, id);
                lock.setLong(2, now);
                lock.setString(3, shared.node());
                try (java.sql.ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                }
                take.setString(1, shared.node());
                take.setLong(2, now + shared.leaseMillis());
                take.setLong(3, id);
                take.executeUpdate();
                claimed.add(id);
            }
        }
        return claimed;
    }

    /** The rows of the candidates, in id order, leaving out the running ones, at most {@code limit}. */
    private static List<Delivery> rows(Connection connection, java.util.TreeSet<Long> candidates, int limit,
                                       java.util.Set<Long> skipIds) throws SQLException {
        List<Delivery> due = new ArrayList<>();
        // Prepared once per round: preparing it for each row was a third of the outbox thread's time. Ids first,
        // then only the rows that will start: the running ones, still pending, come first in id order, and
        // reading their transitions (JSON) again on every round cost the outbox more than anything else.
        try (java.sql.PreparedStatement one = connection.prepareStatement(SELECT + "WHERE d.id = ?")) {
            for (long id : candidates) {
                if (due.size() == limit) {
                    break;
                }
                if (skipIds.contains(id)) {
                    continue;
                }
                one.setLong(1, id);
                try (java.sql.ResultSet rs = one.executeQuery()) {
                    if (rs.next()) {
                        due.add(delivery(rs));
                    }
                }
            }
        }
        return due;
    }

    /** The actions with pending deliveries, including any a reload has removed from the config. */
    List<String> pendingActions() {
        return dialect.query("listing the outbox's actions", "SELECT DISTINCT action FROM deliveries WHERE "
                + "status = 'pending'", Jdbc.values(), rs -> rs.getString(1));
    }

    private static Delivery delivery(java.sql.ResultSet rs) throws SQLException {
        long finished = rs.getLong(7);
        Long finishedAt = rs.wasNull() ? null : finished;
        return new Delivery(rs.getLong(1), rs.getString(2), Delivery.Status.of(rs.getString(3)), rs.getInt(4),
                rs.getLong(5), rs.getLong(6), finishedAt, rs.getString(8), AlertRepository.event(rs, 9));
    }

    /** Records how attempts ended, in one transaction: one commit per outbox round, not one per attempt. */
    void update(List<Delivery.Update> updates) {
        if (updates.isEmpty()) {
            return;
        }
        transactor.transaction("recording " + updates.size() + " deliveries", connection -> {
            // A recorded outcome ends the claim: a retry that comes due may go to any node.
            Jdbc.batch(connection, "UPDATE deliveries SET status = 'done', attempts = ?, finished_at = ?, "
                    + "last_error = NULL, " + UNCLAIMED + " WHERE id = ?", only(updates, Delivery.Status.DONE),
                    u -> new Object[] {u.attempts(), u.at(), u.id()});
            // Only while pending: an outcome recorded late must not revive a delivery that finished.
            Jdbc.batch(connection, "UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ?, " + UNCLAIMED
                    + " WHERE id = ? AND status = 'pending'", only(updates, Delivery.Status.PENDING),
                    u -> new Object[] {u.attempts(), u.at(), u.error(), u.id()});
            Jdbc.batch(connection, "UPDATE deliveries SET status = 'failed', attempts = ?, finished_at = ?, "
                    + "last_error = ?, " + UNCLAIMED + " WHERE id = ?", only(updates, Delivery.Status.FAILED),
                    u -> new Object[] {u.attempts(), u.at(), u.error(), u.id()});
            return Transactor.Commit.of(null);
        });
    }

    private static List<Delivery.Update> only(List<Delivery.Update> updates, Delivery.Status status) {
        return updates.stream().filter(u -> u.status() == status).toList();
    }

    /** Puts a failed delivery back in the queue, due at once; false if there is no failed delivery of that id. */
    boolean requeue(long id, long now) {
        return transactor.update("delivery " + id + " retried by hand", "UPDATE deliveries SET status = 'pending', "
                + "next_at = ?, finished_at = NULL WHERE id = ? AND status = 'failed'", Jdbc.values(now, id)) > 0;
    }

    long count(Delivery.Status status) {
        return dialect.query("counting deliveries", "SELECT count(*) FROM deliveries WHERE status = ?",
                Jdbc.values(status.label()), rs -> rs.getLong(1)).get(0);
    }

    /** Retention: done and failed deliveries finished before {@code cutoff}; a pending one stays however old. */
    long deleteFinishedBefore(long cutoff) {
        return transactor.update("delivery retention", "DELETE FROM deliveries WHERE status <> 'pending' AND "
                + "finished_at < ?", Jdbc.values(cutoff));
    }
}
