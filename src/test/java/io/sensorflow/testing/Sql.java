package io.sensorflow.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads a sensorflow SQLite file directly, to check what really got committed. */
public final class Sql {

    private Sql() {
    }

    public static long count(Path db, String query) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = connection.createStatement().executeQuery(query)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            // The file may not exist yet while the daemon starts.
            return -1;
        }
    }

    /** The first column of every row of {@code query}, as text. */
    public static List<String> strings(Path db, String query) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = connection.createStatement().executeQuery(query)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }
}
