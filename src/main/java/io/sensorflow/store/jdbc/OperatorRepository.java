package io.sensorflow.store.jdbc;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.Silence;

import java.util.List;

/** What operators record through the API: silences and acknowledgements of alert episodes, each replaced by id. */
record OperatorRepository(Dialect dialect, Transactor transactor) {

    void saveSilence(Silence silence) {
        transactor.update("saving a silence", "INSERT INTO silences (id, starts_at, ends_at, silence, created_at) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, "
                + "ends_at = excluded.ends_at, silence = excluded.silence",
                Jdbc.values(silence.id(), silence.startsAt(), silence.endsAt(), Json.write(silence),
                        silence.createdAt()));
    }

    void saveAcknowledgement(Acknowledgement ack) {
        transactor.update("saving an acknowledgement", "INSERT INTO alert_acks (episode, acked_at, acked_by, "
                + "comment) VALUES (?, ?, ?, ?) ON CONFLICT (episode) DO UPDATE SET acked_at = excluded.acked_at, "
                + "acked_by = excluded.acked_by, comment = excluded.comment",
                Jdbc.values(ack.episode(), ack.at(), ack.by(), ack.comment()));
    }

    List<Silence> silences(long since) {
        return dialect.query("reading silences",
                "SELECT silence FROM silences WHERE ends_at >= ? ORDER BY created_at, id", Jdbc.values(since), rs -> Json.read(rs.getString(1), Silence.class));
    }

    List<Acknowledgement> acknowledgements(long since) {
        return dialect.query("reading acknowledgements",
                "SELECT episode, acked_at, acked_by, comment FROM alert_acks WHERE acked_at >= ?",
                Jdbc.values(since),
                rs -> new Acknowledgement(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
    }
}
