package io.sensorflow.store.jdbc;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.Silence;
import io.sensorflow.store.StoreException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What operators record through the API: silences, each replaced by id, and every acknowledgement of alert episodes,
 * at most {@link Acknowledgement#MAX_PER_EPISODE} of one episode.
 */
record OperatorRepository(Dialect dialect, Transactor transactor) {

    /** Episodes asked for in one query: far below either database's limit on parameters. */
    private static final int EPISODES_PER_QUERY = 500;
    private static final String ACK_COLUMNS = "episode, acked_at, acked_by, comment";

    void saveSilence(Silence silence) {
        transactor.update("saving a silence", "INSERT INTO silences (id, starts_at, ends_at, silence, created_at) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, "
                + "ends_at = excluded.ends_at, silence = excluded.silence",
                Jdbc.values(silence.id(), silence.startsAt(), silence.endsAt(), Json.write(silence),
                        silence.createdAt()));
    }

    boolean saveAcknowledgement(Acknowledgement ack) {
        return transactor.transaction("saving an acknowledgement", connection -> {
            // Another daemon on the same PostgreSQL database may take the next number between the two statements;
            // the insert then does nothing, and the number after it is tried.
            for (int attempt = 0; attempt < 3; attempt++) {
                int last = Jdbc.list(connection, "SELECT COALESCE(MAX(n), 0) FROM alert_acknowledgements "
                        + "WHERE episode = ?", Jdbc.values(ack.episode()), rs -> rs.getInt(1)).get(0);
                if (last >= Acknowledgement.MAX_PER_EPISODE) {
                    return Transactor.Commit.of(false);
                }
                if (Jdbc.update(connection, "INSERT INTO alert_acknowledgements (episode, n, acked_at, acked_by, "
                        + "comment) VALUES (?, ?, ?, ?, ?) ON CONFLICT (episode, n) DO NOTHING",
                        Jdbc.values(ack.episode(), last + 1, ack.at(), ack.by(), ack.comment())) == 1) {
                    return Transactor.Commit.of(true);
                }
            }
            throw new StoreException("saving an acknowledgement of " + ack.episode() + ": other writers took its "
                    + "number three times", null);
        });
    }

    List<Silence> silences(long since) {
        return dialect.query("reading silences",
                "SELECT silence FROM silences WHERE ends_at >= ? ORDER BY created_at, id", Jdbc.values(since),
                rs -> Json.read(rs.getString(1), Silence.class));
    }

    List<Acknowledgement> acknowledgements(long since) {
        return dialect.query("reading acknowledgements", "SELECT " + ACK_COLUMNS + " FROM alert_acknowledgements "
                + "WHERE acked_at >= ? ORDER BY episode, n", Jdbc.values(since), OperatorRepository::acknowledgement);
    }

    Map<String, List<Acknowledgement>> acknowledgements(Collection<String> episodes) {
        List<String> all = List.copyOf(new LinkedHashSet<>(episodes));
        Map<String, List<Acknowledgement>> result = new LinkedHashMap<>();
        for (int from = 0; from < all.size(); from += EPISODES_PER_QUERY) {
            List<String> some = all.subList(from, Math.min(all.size(), from + EPISODES_PER_QUERY));
            String parameters = String.join(", ", Collections.nCopies(some.size(), "?"));
            for (Acknowledgement ack : dialect.query("reading acknowledgements", "SELECT " + ACK_COLUMNS
                    + " FROM alert_acknowledgements WHERE episode IN (" + parameters + ") ORDER BY episode, n",
                    Jdbc.values(some.toArray()), OperatorRepository::acknowledgement)) {
                result.computeIfAbsent(ack.episode(), e -> new ArrayList<>()).add(ack);
            }
        }
        return result;
    }

    private static Acknowledgement acknowledgement(ResultSet rs) throws SQLException {
        return new Acknowledgement(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4));
    }
}
