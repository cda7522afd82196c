package io.sensorflow.config;

import java.time.Duration;

/**
 * Where readings are kept and how they are written.
 *
 * @param synchronous SQLite's {@code synchronous} pragma: {@code normal} survives a crash of the daemon (the WAL is
 *                    in the OS), {@code full} also survives power loss at the cost of an fsync per batch
 * @param batchMaxDelay how long a batch may wait to fill up; zero commits as soon as the store is free, batching only
 *                      what arrives while a commit is running
 */
public record StoreConfig(StoreType type, String path, Synchronous synchronous, int batchSize, Duration batchMaxDelay) {

    /** The store implementations; PostgreSQL follows. */
    public enum StoreType { SQLITE }

    public enum Synchronous { OFF, NORMAL, FULL }

    static StoreConfig parse(Section s) {
        StoreType type = s.enumValue("type", StoreType.class, StoreType.SQLITE);
        String path = s.string("path");
        if (path.isBlank() && s.has("path")) {
            s.problem("path", "must name a file");
        }
        Synchronous synchronous = s.enumValue("synchronous", Synchronous.class, Synchronous.NORMAL);
        Section batch = s.section("batch");
        int size = batch.integer("size", 1, 100_000);
        Duration maxDelay = batch.duration("max-delay");
        batch.rejectUnknownKeys();
        s.rejectUnknownKeys();
        return new StoreConfig(type, path, synchronous, size, maxDelay);
    }
}
