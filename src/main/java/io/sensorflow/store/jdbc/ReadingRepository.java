package io.sensorflow.store.jdbc;

import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.store.Point;
import io.sensorflow.store.ReadingStore.ScanOrder;
import io.sensorflow.store.StatePoint;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Readings and state readings: writing them idempotently on (series, ts), streaming them for rule windows and
 * exports, and the API's range and latest queries. Numbers are read from the view {@code readings_all} (SQLite's
 * log included), states from their own table.
 */
final class ReadingRepository {

    private static final String INSERT_STATE =
            "INSERT INTO states (series, ts, state) VALUES (?, ?, ?) ON CONFLICT (series, ts) DO NOTHING";
    /** The newest state of every series of state readings; the primary key (series, ts) answers each max(). */
    private static final String LATEST_STATES = "SELECT s.sensor, s.metric, st.state, st.ts, s.tags FROM series s "
            + "CROSS JOIN states st WHERE st.series = s.id AND st.ts = (SELECT max(ts) FROM states m WHERE m.series = s.id)";

    private final Dialect dialect;

    ReadingRepository(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Inserts number readings, skipping stored ones; what was new, for the rollups. */
    Fresh write(Connection connection, List<Reading> readings, SeriesRepository.Changes series) throws SQLException {
        int n = readings.size();
        if (n == 0) {
            return Fresh.none();
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = series.resolve(connection, readings.get(i));
        }
        // Sorted by (series, ts): neighbouring rows land on the same B-tree pages.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> ids[a] != ids[b] ? Integer.compare(ids[a], ids[b])
                : Long.compare(readings.get(a).timestamp(), readings.get(b).timestamp()));
        int[] sortedIds = new int[n];
        long[] timestamps = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            Reading r = readings.get(order[i]);
            sortedIds[i] = ids[order[i]];
            timestamps[i] = r.timestamp();
            values[i] = r.value();
        }
        return dialect.insertReadings(connection, sortedIds, timestamps, values, n);
    }

    /** State readings go to their own table: no number, no rollups; idempotent on (series, ts) like the rest. */
    int writeStates(Connection connection, List<Reading> states, SeriesRepository.Changes series)
            throws SQLException {
        int fresh = 0;
        for (int count : Jdbc.batch(connection, INSERT_STATE, states,
                state -> new Object[] {series.resolve(connection, state), state.timestamp(), state.state()})) {
            // PostgreSQL with reWriteBatchedInserts says only "done" (SUCCESS_NO_INFO): counted as new.
            fresh += count > 0 || count == Statement.SUCCESS_NO_INFO ? 1 : 0;
        }
        return fresh;
    }

    void scanReadings(long from, long to, ScanOrder order, Consumer<Reading> consumer) {
        // CROSS JOIN makes SQLite loop over series and seek each one's time range (there is no index on time alone);
        // for PostgreSQL it is an ordinary join. ANY has no ORDER BY, so any size streams without a sort.
        String sql = "SELECT s.sensor, s.metric, r.ts, r.value, s.tags, s.unit FROM series s CROSS JOIN readings_all r "
                + "WHERE r.series = s.id AND r.ts >= ? AND r.ts < ?" + (order == ScanOrder.TIME ? " ORDER BY r.ts" : "");
        Map<String, Map<String, String>> tagCache = new HashMap<>();
        stream("scanning readings", sql, from, to, rs -> {
            String tagsJson = rs.getString(5);
            Map<String, String> tags = tagsJson.equals("{}") ? Map.of()
                    : tagCache.computeIfAbsent(tagsJson, Json::readTags);
            consumer.accept(new Reading(rs.getString(1), rs.getString(2), rs.getDouble(4), rs.getLong(3), tags,
                    "store", rs.getString(6)));
        });
    }

    void scanStates(long from, long to, Consumer<Reading> consumer) {
        stream("scanning states", "SELECT s.sensor, s.metric, st.ts, st.state, s.tags FROM series s "
                + "CROSS JOIN states st WHERE st.series = s.id AND st.ts >= ? AND st.ts < ?", from, to,
                rs -> consumer.accept(Reading.ofState(rs.getString(1), rs.getString(2), rs.getString(4),
                        rs.getLong(3), Json.readTags(rs.getString(5)), "store")));
    }

    /** Hands each row of a query over {@code [from, to)} to {@code row} as it arrives, never all at once. */
    private void stream(String what, String sql, long from, long to, Jdbc.RowConsumer row) {
        dialect.read(what, connection -> {
            dialect.beginStreaming(connection);
            try {
                Jdbc.forEach(connection, sql, query -> {
                    query.setFetchSize(10_000);
                    query.setLong(1, from);
                    query.setLong(2, to);
                }, row);
            } finally {
                dialect.endStreaming(connection);
            }
            return null;
        });
    }

    List<Point> readings(String sensor, String metric, long from, long to, int limit) {
        return dialect.query("reading " + sensor + "/" + metric,
                "SELECT r.ts, r.value FROM series s JOIN readings_all r ON r.series = s.id "
                        + "WHERE s.sensor = ? AND s.metric = ? AND r.ts >= ? AND r.ts < ? ORDER BY r.ts LIMIT ?",
                Jdbc.values(sensor, metric, from, to, limit), rs -> new Point(rs.getLong(1), rs.getDouble(2)));
    }

    List<StatePoint> states(String sensor, String metric, long from, long to, int limit) {
        return dialect.query("reading states of " + sensor + "/" + metric,
                "SELECT st.ts, st.state FROM series s CROSS JOIN states st WHERE st.series = s.id "
                        + "AND s.sensor = ? AND s.metric = ? AND st.ts >= ? AND st.ts < ? ORDER BY st.ts LIMIT ?",
                Jdbc.values(sensor, metric, from, to, limit), rs -> new StatePoint(rs.getLong(1), rs.getString(2)));
    }

    List<LatestReading> latest() {
        Map<SeriesRepository.Key, LatestReading> newest = new HashMap<>();
        dialect.read("reading the latest values", connection -> {
            for (String sql : dialect.latestQueries()) {
                newest(connection, sql, newest, rs -> new LatestReading(rs.getString(1), rs.getString(2),
                        rs.getDouble(3), rs.getLong(4), Json.readTags(rs.getString(5)), null, rs.getString(6)));
            }
            newest(connection, LATEST_STATES, newest, rs -> LatestReading.ofState(rs.getString(1), rs.getString(2),
                    rs.getString(3), rs.getLong(4), Json.readTags(rs.getString(5))));
            return null;
        });
        List<LatestReading> result = new ArrayList<>(newest.values());
        result.sort(Comparator.comparing(LatestReading::sensor).thenComparing(LatestReading::metric));
        return result;
    }

    /** Keeps, per series, the newest of what it has and what {@code sql} returns. */
    private static void newest(Connection connection, String sql, Map<SeriesRepository.Key, LatestReading> newest,
                               Jdbc.Row<LatestReading> row) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                LatestReading latest = row.read(rs);
                newest.merge(new SeriesRepository.Key(latest.sensor(), latest.metric()), latest,
                        (a, b) -> b.timestamp() > a.timestamp() ? b : a);
            }
        }
    }

    long countReadings() {
        return dialect.query("counting readings", "SELECT count(*) FROM readings_all", Jdbc.NO_PARAMETERS,
                rs -> rs.getLong(1)).get(0);
    }
}
