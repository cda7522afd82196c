package io.sensorflow.store.jdbc;

import io.sensorflow.model.Reading;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code series} table and its copy in memory: each (sensor, metric) has an id that readings and rollups refer
 * to, and the tags and unit of its newest reading. The copy holds what is committed; a write's own changes join it
 * when the write commits.
 */
final class SeriesRepository {

    /** A series' identity in the API and in readings. */
    record Key(String sensor, String metric) {
    }

    /** A series' id and the tags of its newest reading, as committed. */
    private record Entry(int id, Map<String, String> tags, long tagsTs, String unit) {
    }

    private final Dialect dialect;
    private final Map<Key, Entry> series = new ConcurrentHashMap<>();

    SeriesRepository(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Loads every series, at start. */
    void load() {
        for (Map.Entry<Key, Entry> row : dialect.query("loading series",
                "SELECT id, sensor, metric, tags, tags_ts, unit FROM series", Jdbc.NO_PARAMETERS,
                rs -> Map.entry(new Key(rs.getString(2), rs.getString(3)),
                        new Entry(rs.getInt(1), Json.readTags(rs.getString(4)), rs.getLong(5), rs.getString(6))))) {
            series.put(row.getKey(), row.getValue());
        }
    }

    /** The id of a committed series. */
    OptionalInt idOf(String sensor, String metric) {
        Entry entry = series.get(new Key(sensor, metric));
        return entry == null ? OptionalInt.empty() : OptionalInt.of(entry.id());
    }

    /** Every committed series' id, ascending. */
    List<Integer> ids() {
        return series.values().stream().map(Entry::id).sorted().toList();
    }

    /** Whether this process has the series committed, from memory alone. */
    boolean known(String sensor, String metric) {
        return series.containsKey(new Key(sensor, metric));
    }

    int count() {
        return series.size();
    }

    boolean exists(String sensor, String metric) {
        if (series.containsKey(new Key(sensor, metric))) {
            return true;
        }
        // Another daemon sharing the store may have created it.
        return !dialect.query("looking up " + sensor + "/" + metric,
                "SELECT 1 FROM series WHERE sensor = ? AND metric = ?", Jdbc.values(sensor, metric), rs -> true)
                .isEmpty();
    }

    /** The series one write creates or changes, joining the committed ones when it commits. */
    Changes changes() {
        return new Changes();
    }

    final class Changes {

        private final Map<Key, Entry> changed = new HashMap<>();

        private Changes() {
        }

        /** The series id of a reading, creating the series or updating its tags or unit when they changed. */
        int resolve(Connection connection, Reading reading) throws SQLException {
            Key key = new Key(reading.sensor(), reading.metric());
            Entry entry = changed.get(key);
            if (entry == null) {
                entry = series.get(key);
            }
            if (entry == null) {
                entry = upsert(connection, key, reading);
                changed.put(key, entry);
            } else if (reading.timestamp() >= entry.tagsTs() && !entry.tags().equals(reading.tags())) {
                Jdbc.update(connection, "UPDATE series SET tags = ?, tags_ts = ? WHERE id = ? AND tags_ts <= ?",
                        Jdbc.values(Json.write(reading.tags()), reading.timestamp(), entry.id(), reading.timestamp()));
                entry = new Entry(entry.id(), reading.tags(), reading.timestamp(), entry.unit());
                changed.put(key, entry);
            }
            if (reading.unit() != null && !reading.unit().equals(entry.unit())) {
                // The unit a series' readings last named; a reading without one leaves it as it is.
                Jdbc.update(connection, "UPDATE series SET unit = ? WHERE id = ?",
                        Jdbc.values(reading.unit(), entry.id()));
                entry = new Entry(entry.id(), entry.tags(), entry.tagsTs(), reading.unit());
                changed.put(key, entry);
            }
            return entry.id();
        }

        /** The write committed: its series are the committed ones now. */
        void commit() {
            series.putAll(changed);
        }

        private Entry upsert(Connection connection, Key key, Reading reading) throws SQLException {
            // Another daemon sharing the store may have created the series meanwhile: the upsert returns its id.
            try (PreparedStatement upsert = connection.prepareStatement(
                    "INSERT INTO series (sensor, metric, tags, tags_ts, unit) VALUES (?, ?, ?, ?, ?) "
                            + "ON CONFLICT (sensor, metric) DO UPDATE SET "
                            + "tags = CASE WHEN excluded.tags_ts >= series.tags_ts THEN excluded.tags "
                            + "ELSE series.tags END, "
                            + "tags_ts = " + dialect.greatest() + "(series.tags_ts, excluded.tags_ts), "
                            + "unit = COALESCE(excluded.unit, series.unit) "
                            + "RETURNING id, tags, tags_ts, unit")) {
                upsert.setString(1, key.sensor());
                upsert.setString(2, key.metric());
                upsert.setString(3, Json.write(reading.tags()));
                upsert.setLong(4, reading.timestamp());
                upsert.setString(5, reading.unit());
                try (ResultSet rs = upsert.executeQuery()) {
                    rs.next();
                    return new Entry(rs.getInt(1), Json.readTags(rs.getString(2)), rs.getLong(3), rs.getString(4));
                }
            }
        }
    }
}
