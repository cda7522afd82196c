package io.sensorflow.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How SQLite inserts readings: a small commit straight into {@code readings}, a big one appended to
 * {@code readings_log} for {@link SqliteLogMerger} to move in sorted chunks; and what is in the log, kept in memory
 * (the log has no index to ask). Belongs to the writer: every call holds the transactor's lock.
 */
final class SqliteReadingsLog {

    // A reading is logged only if it is not stored yet, so every logged reading enters readings at its merge and is
    // counted in the rollups when it is committed. A reading newer than everything stored for its series cannot be
    // stored yet and skips the probe (LOG_NEW): most of them. The merge's ON CONFLICT is only a safety net.
    private static final String LOG_READING = "INSERT INTO readings_log (series, ts, value) SELECT ?, ?, ? "
            + "WHERE NOT EXISTS (SELECT 1 FROM readings WHERE series = ? AND ts = ?)";
    private static final String LOG_NEW = "INSERT INTO readings_log (series, ts, value) VALUES (?, ?, ?)";
    private static final String INSERT_DIRECT = "INSERT INTO readings (series, ts, value) VALUES (?, ?, ?) "
            + "ON CONFLICT DO NOTHING";

    /** A logged reading's key, to keep a redelivery out of the log. */
    private record LogKey(int series, long ts) {
    }

    private final int directRows;
    private final Set<LogKey> logged = new HashSet<>();
    /**
     * The same keys in log order (rowid order), one per row of readings_log, so its size is the log's: a merge takes
     * the oldest rows, and so these from the front.
     */
    private final ArrayDeque<LogKey> logOrder = new ArrayDeque<>();
    /** Per series id, the newest timestamp stored (in readings or in the log); Long.MIN_VALUE where none. */
    private long[] newestStored = new long[0];
    /** When the oldest logged reading was logged (or the last merge ran), by {@link System#nanoTime()}. */
    private long oldestLogged;

    /** @param directRows commits of at most this many readings skip the log */
    SqliteReadingsLog(int directRows) {
        this.directRows = directRows;
    }

    /** Loads what a stop or crash left in the log, counting it as logged at {@code loggedAtNanos}. */
    void load(Dialect dialect, long loggedAtNanos) {
        dialect.read("loading the readings log", connection -> {
            // One seek per series (CROSS JOIN keeps series the outer loop).
            Jdbc.forEach(connection, "SELECT s.id, (SELECT max(ts) FROM readings r WHERE r.series = s.id) "
                    + "FROM series s", Jdbc.NO_PARAMETERS, rs -> {
                        long newest = rs.getLong(2);
                        noteStored(rs.getInt(1), rs.wasNull() ? Long.MIN_VALUE : newest);
                    });
            Jdbc.forEach(connection, "SELECT series, ts FROM readings_log ORDER BY rowid", Jdbc.NO_PARAMETERS, rs -> {
                LogKey key = new LogKey(rs.getInt(1), rs.getLong(2));
                logged.add(key);
                logOrder.add(key);
                noteStored(key.series(), key.ts());
            });
            return null;
        });
        oldestLogged = logOrder.isEmpty() ? 0 : loggedAtNanos;
    }

    /** How many readings the log holds. */
    int size() {
        return logOrder.size();
    }

    /** When the oldest logged reading was logged, by {@link System#nanoTime()}. */
    long oldestLogged() {
        return oldestLogged;
    }

    /** A merge committed: the oldest {@code count} readings left the log. */
    void merged(int count, long nowNanos) {
        for (int i = 0; i < count && !logOrder.isEmpty(); i++) {
            logged.remove(logOrder.poll());
        }
        oldestLogged = logOrder.isEmpty() ? 0 : nowNanos;
    }

    /** Inserts readings sorted by series and time, skipping stored ones: straight in, or through the log. */
    Fresh insert(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        return count <= directRows
                ? insertDirect(connection, series, timestamps, values, count)
                : appendToLog(connection, series, timestamps, values, count);
    }

    /** Inserts into {@code readings}; the new rows move to the front of the arrays and enter the rollups now. */
    private Fresh insertDirect(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        int[] queued = new int[count];
        int n = 0;
        Set<LogKey> inBatch = new HashSet<>();
        try (PreparedStatement handle = connection.prepareStatement(INSERT_DIRECT)) {
            PreparedStatement insert = Jdbc.driverStatement(handle);
            for (int i = 0; i < count; i++) {
                LogKey key = new LogKey(series[i], timestamps[i]);
                // A reading still in the log is stored already.
                if (logged.contains(key) || !inBatch.add(key)) {
                    continue;
                }
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                insert.addBatch();
                queued[n++] = i;
            }
            if (n == 0) {
                return Fresh.none();
            }
            int[] results = insert.executeBatch();
            int fresh = 0;
            for (int j = 0; j < n; j++) {
                if (results[j] > 0) {
                    // queued[j] >= fresh, so moving rows forward never overwrites one still to be read.
                    int i = queued[j];
                    series[fresh] = series[i];
                    timestamps[fresh] = timestamps[i];
                    values[fresh] = values[i];
                    fresh++;
                }
            }
            int stored = fresh;
            return new Fresh(series, timestamps, values, fresh, () -> committed(series, timestamps, stored, List.of()));
        }
    }

    /** Appends to {@code readings_log}; the keys enter the log's order in the order of their rowids. */
    private Fresh appendToLog(Connection connection, int[] series, long[] timestamps, double[] values, int count)
            throws SQLException {
        int[] fresh = new int[count];
        int freshCount = 0;
        int[] probed = new int[count];
        int probedCount = 0;
        Set<LogKey> inBatch = new HashSet<>();
        try (PreparedStatement appendHandle = connection.prepareStatement(LOG_NEW);
             PreparedStatement probeHandle = connection.prepareStatement(LOG_READING)) {
            PreparedStatement append = Jdbc.driverStatement(appendHandle);
            PreparedStatement probe = Jdbc.driverStatement(probeHandle);
            for (int i = 0; i < count; i++) {
                LogKey key = new LogKey(series[i], timestamps[i]);
                if (logged.contains(key) || !inBatch.add(key)) {
                    continue;
                }
                boolean newerThanStored = series[i] >= newestStored.length
                        || timestamps[i] > newestStored[series[i]];
                PreparedStatement insert = newerThanStored ? append : probe;
                insert.setInt(1, series[i]);
                insert.setLong(2, timestamps[i]);
                insert.setDouble(3, values[i]);
                if (newerThanStored) {
                    fresh[freshCount++] = i;
                } else {
                    insert.setInt(4, series[i]);
                    insert.setLong(5, timestamps[i]);
                    probed[probedCount++] = i;
                }
                insert.addBatch();
            }
            // Rowids follow execution order: the appends, then the probed rows that were new.
            int[] stored = Arrays.copyOf(fresh, freshCount + probedCount);
            int storedCount = freshCount;
            if (freshCount > 0) {
                append.executeBatch();
            }
            if (probedCount > 0) {
                int[] results = probe.executeBatch();
                for (int j = 0; j < results.length; j++) {
                    if (results[j] > 0) {
                        stored[storedCount++] = probed[j];
                    }
                }
            }
            if (storedCount == 0) {
                return Fresh.none();
            }
            int[] storedSeries = new int[storedCount];
            long[] storedTimestamps = new long[storedCount];
            double[] storedValues = new double[storedCount];
            List<LogKey> keys = new ArrayList<>(storedCount);
            for (int j = 0; j < storedCount; j++) {
                int i = stored[j];
                storedSeries[j] = series[i];
                storedTimestamps[j] = timestamps[i];
                storedValues[j] = values[i];
                keys.add(new LogKey(series[i], timestamps[i]));
            }
            int n = storedCount;
            // Counted in the rollups now: each of them enters readings at its merge.
            return new Fresh(storedSeries, storedTimestamps, storedValues, n,
                    () -> committed(storedSeries, storedTimestamps, n, keys));
        }
    }

    /** The insert committed: its readings are stored, and {@code keys} are in the log, in this order. */
    private void committed(int[] series, long[] timestamps, int count, List<LogKey> keys) {
        for (int i = 0; i < count; i++) {
            noteStored(series[i], timestamps[i]);
        }
        if (!keys.isEmpty()) {
            if (logOrder.isEmpty()) {
                oldestLogged = System.nanoTime();
            }
            logged.addAll(keys);
            logOrder.addAll(keys);
        }
    }

    private void noteStored(int series, long timestamp) {
        if (series >= newestStored.length) {
            int old = newestStored.length;
            newestStored = Arrays.copyOf(newestStored, Math.max(series + 1, old * 2));
            Arrays.fill(newestStored, old, newestStored.length, Long.MIN_VALUE);
        }
        if (timestamp > newestStored[series]) {
            newestStored[series] = timestamp;
        }
    }
}
