package io.sensorflow.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Copies committed pages from SQLite's WAL back into the database, on a connection of its own and off the commit
 * path, and keeps the WAL from growing without bound.
 */
final class WalCheckpointer {

    /** Past this many frames (4 KiB pages) in the WAL, a checkpoint makes it start over (see checkpoint()). */
    private static final long WAL_RESTART_FRAMES = 16_384;
    /** What a WAL that started over is truncated to (the writer's {@code journal_size_limit}). */
    static final long WAL_SIZE_LIMIT = 64L << 20;

    private final Connection checkpointer;
    private final Transactor transactor;

    WalCheckpointer(Connection checkpointer, Transactor transactor) {
        this.checkpointer = checkpointer;
        this.transactor = transactor;
    }

    /**
     * Copies committed pages from the WAL into the database. SQLite would do this inside whichever commit crosses
     * 1,000 WAL pages, stalling that commit (and the acks and actions waiting on it) for tens of milliseconds; here
     * it runs on its own connection and thread, and PASSIVE never blocks the writer.
     *
     * <p>PASSIVE alone never lets the WAL start over while commits keep coming: SQLite rewinds the WAL only when a
     * writer finds every frame copied back, and under steady ingest a new commit always lands first. The WAL then
     * grew without bound (1.4 GB for a 100 MB database in StoreBench), and every page read got slower, since SQLite
     * searches the WAL's index before the file. So once the WAL passes {@link #WAL_RESTART_FRAMES}, right after a
     * PASSIVE pass has copied nearly all of it, a RESTART runs holding the writer's lock: it copies the few frames
     * committed since, waits for readers, and the next commit rewinds the WAL (truncated to
     * {@link #WAL_SIZE_LIMIT}). A failure is the caller's to report; the next round tries again, the WAL only grows
     * meanwhile.
     */
    void checkpoint() throws SQLException {
        synchronized (checkpointer) {
            long[] passive = checkpoint("PASSIVE");
            if (passive[1] >= WAL_RESTART_FRAMES) {
                synchronized (transactor) {
                    if (!transactor.isClosed()) {
                        checkpoint("RESTART");
                    }
                }
            }
        }
    }

    /** Runs one checkpoint on the checkpointer's connection: {busy, frames in the WAL, frames copied back}. */
    private long[] checkpoint(String mode) throws SQLException {
        try (Statement statement = checkpointer.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)} : new long[3];
        }
    }

    void close() throws SQLException {
        synchronized (checkpointer) {
            checkpointer.close();
        }
    }
}
