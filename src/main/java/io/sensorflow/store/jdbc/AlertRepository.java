package io.sensorflow.store.jdbc;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.RuleState;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * What the rules leave behind: each alert's latest rule state, for the engine to resume from, and the history of
 * alert transitions, kept once per episode, state and time.
 */
final class AlertRepository {

    private static final String UPSERT_RULE_STATE =
            "INSERT INTO rule_states (rule, sensor, metric, grp, phase, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (rule, sensor, metric, grp) DO UPDATE SET phase = excluded.phase, "
                    + "state = excluded.state, updated_at = excluded.updated_at";
    private static final String INSERT_ALERT_EVENT =
            "INSERT INTO alert_events (episode, state, ts, rule, sensor, metric, grp, severity, value, since, "
                    + "emitted_at, tags, inputs, actions, muted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING";
    /** The columns {@link #event} reads, in its order. */
    static final String COLUMNS = "episode, state, ts, rule, sensor, metric, grp, severity, value, since, emitted_at, "
            + "tags, inputs, actions, muted";
    private static final String SELECT_ALERT_EVENT = "SELECT " + COLUMNS + " FROM alert_events ";

    private final Dialect dialect;

    AlertRepository(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Replaces the stored state of each alert, in the caller's transaction. */
    void writeRuleStates(Connection connection, List<RuleState> states) throws SQLException {
        Jdbc.batch(connection, UPSERT_RULE_STATE, states, state -> new Object[] {state.rule(), state.sensor(),
                state.metric(), state.group(), state.phase().label(), Json.write(state), System.currentTimeMillis()});
    }

    /** Adds alert transitions not stored yet, in the caller's transaction. */
    void writeEvents(Connection connection, List<AlertEvent> events) throws SQLException {
        // SQLite turns NaN into NULL, which the value column refuses: one such value would stop every commit.
        Jdbc.batch(connection, INSERT_ALERT_EVENT, events, e -> new Object[] {e.id(),
                e.repeat() ? "repeat" : e.state().label(), e.timestamp(), e.rule(), e.sensor(), e.metric(), e.group(),
                e.severity(), Double.isFinite(e.value()) ? e.value() : 0.0, e.since(), e.emittedAt(),
                Json.write(e.tags()), Json.write(e.inputs()), Json.write(e.actions()), e.muted()});
    }

    List<RuleState> ruleStates() {
        return dialect.query("reading rule states", "SELECT state FROM rule_states", Jdbc.NO_PARAMETERS,
                rs -> Json.read(rs.getString(1), RuleState.class));
    }

    List<RuleState> activeRuleStates() {
        return dialect.query("reading active rule states", "SELECT state FROM rule_states WHERE phase <> ?",
                Jdbc.values(AlertState.INACTIVE.label()), rs -> Json.read(rs.getString(1), RuleState.class));
    }

    List<AlertEvent> episode(String id) {
        return events(SELECT_ALERT_EVENT + "WHERE episode = ? ORDER BY ts, emitted_at", Jdbc.values(id));
    }

    List<AlertEvent> history(long from, long to, String rule, String sensor, int limit) {
        Jdbc.Filters filters = new Jdbc.Filters(from, to).equal("rule", rule).equal("sensor", sensor);
        return events(SELECT_ALERT_EVENT + "WHERE ts >= ? AND ts < ?" + filters.sql()
                + " ORDER BY ts DESC, emitted_at DESC LIMIT ?", filters.binder(limit));
    }

    List<AlertEvent> emittedSince(long emittedAt, int limit) {
        return events(SELECT_ALERT_EVENT + "WHERE emitted_at >= ? ORDER BY emitted_at, ts, episode LIMIT ?",
                Jdbc.values(emittedAt, limit));
    }

    private List<AlertEvent> events(String sql, Jdbc.Binder binder) {
        return dialect.query("reading alert history", sql, binder, rs -> event(rs, 1));
    }

    /** The transition in the columns of {@link #COLUMNS}, the first of them at {@code first}. */
    static AlertEvent event(ResultSet rs, int first) throws SQLException {
        int c = first - 1;
        String state = rs.getString(c + 2);
        return new AlertEvent(rs.getString(c + 1), rs.getString(c + 4), rs.getString(c + 5), rs.getString(c + 6),
                rs.getString(c + 7), state.equals("resolved") ? AlertState.RESOLVED : AlertState.FIRING,
                rs.getString(c + 8), rs.getDouble(c + 9), rs.getLong(c + 3), rs.getLong(c + 10), rs.getLong(c + 11),
                Json.readTags(rs.getString(c + 12)), Json.readMap(rs.getString(c + 13)), state.equals("repeat"),
                Json.readStrings(rs.getString(c + 14)), rs.getString(c + 15));
    }
}
