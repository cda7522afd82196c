package io.sensorflow.store;

import io.sensorflow.config.Durations;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where readings are kept, how they are written and how long they are kept.
 *
 * @param path          sqlite: the database file
 * @param synchronous   SQLite's {@code synchronous} pragma: {@code normal} survives a crash of the daemon (the WAL is
 *                      in the OS), {@code full} also survives power loss at the cost of an fsync per batch
 * @param batchMaxDelay how long a batch may wait to fill up; zero commits as soon as the store is free, batching only
 *                      what arrives while a commit is running
 * @param retention     how long raw readings (and dead letters) are kept; zero keeps them forever
 * @param readConnections connections that answer queries (API, stream, dashboard), apart from the writer's, so that
 *                      reads never wait for a commit or hold one up
 */
public record StoreConfig(String type, String path, Synchronous synchronous, int batchSize, Duration batchMaxDelay,
                          Postgres postgres, Duration retention, Duration minuteRetention, Duration hourRetention,
                          int readConnections) {

    /** The reference default of {@code read-connections}. */
    public static final int READ_CONNECTIONS = 2;

    public enum Synchronous { OFF, NORMAL, FULL }

    /**
     * The PostgreSQL server store.
     *
     * @param pool connections of the writer and the store's own jobs; queries have their own
     *             ({@link StoreConfig#readConnections})
     */
    public record Postgres(String url, String user, String password, int pool, Duration connectTimeout) {

        public static Postgres local(String url) {
            return new Postgres(url, "postgres", "", 4, Duration.ofSeconds(5));
        }
    }

    /** An embedded store with the reference defaults, for tests and tools. */
    public static StoreConfig sqlite(String path) {
        return new StoreConfig("sqlite", path, Synchronous.NORMAL, 1000, Duration.ZERO,
                Postgres.local("jdbc:postgresql://127.0.0.1:5432/sensorflow"), Duration.ofDays(30),
                Duration.ofDays(365), Duration.ofDays(3650), READ_CONNECTIONS);
    }

    /** A PostgreSQL store with the reference defaults, for tests and tools. */
    public static StoreConfig postgres(String url, String user, String password) {
        return new StoreConfig("postgres", "", Synchronous.NORMAL, 1000, Duration.ZERO,
                new Postgres(url, user, password, 4, Duration.ofSeconds(5)), Duration.ofDays(30),
                Duration.ofDays(365), Duration.ofDays(3650), READ_CONNECTIONS);
    }

    public StoreConfig withRetention(Duration raw, Duration minute, Duration hour) {
        return new StoreConfig(type, path, synchronous, batchSize, batchMaxDelay, postgres, raw, minute, hour,
                readConnections);
    }

    public StoreConfig withSynchronous(Synchronous value) {
        return new StoreConfig(type, path, value, batchSize, batchMaxDelay, postgres, retention, minuteRetention,
                hourRetention, readConnections);
    }

    /** Binds {@code sensorflow.store}; {@code type} must name one of {@code types}. */
    public static StoreConfig parse(Section s, Registry<StoreType> types) {
        String type = s.oneOf("type", types).map(StoreType::name).orElse("sqlite");
        String path = s.string("path");
        if (path.isBlank() && s.has("path")) {
            s.problem("path", "must name a file");
        }
        Synchronous synchronous = s.enumValue("synchronous", Synchronous.class, Synchronous.NORMAL);
        Section batch = s.section("batch");
        int size = batch.integer("size", 1, 100_000);
        Duration maxDelay = batch.duration("max-delay");
        Postgres postgres = parsePostgres(s.section("postgres"));
        Duration retention = s.duration("retention");
        Section rollups = s.section("rollups");
        Section minuteSection = rollups.section("1m");
        Duration minute = minuteSection.duration("retention");
        Section hourSection = rollups.section("1h");
        Duration hour = hourSection.duration("retention");
        if (!retention.isZero() && retention.compareTo(Duration.ofHours(1)) < 0) {
            s.problem("retention", "must be at least 1h (or 0s to keep readings forever), got "
                    + Durations.compact(retention.toMillis()));
        }
        int readConnections = s.integer("read-connections", 1, 32);
        return new StoreConfig(type, path, synchronous, size, maxDelay, postgres, retention, minute, hour,
                readConnections);
    }

    private static Postgres parsePostgres(Section s) {
        String url = s.string("url");
        if (!url.startsWith("jdbc:postgresql:")) {
            s.problem("url", "must be a PostgreSQL JDBC URL like jdbc:postgresql://127.0.0.1:5432/sensorflow, got '"
                    + url + "'");
        } else {
            try {
                URI uri = URI.create(url.substring("jdbc:".length()));
                if (uri.getPath() == null || uri.getPath().length() <= 1) {
                    s.problem("url", "must name a database, like jdbc:postgresql://127.0.0.1:5432/sensorflow");
                }
            } catch (IllegalArgumentException e) {
                s.problem("url", "is not a valid URL: " + e.getMessage().toLowerCase(Locale.ROOT));
            }
        }
        String user = s.string("user");
        String password = s.string("password");
        int pool = s.integer("pool-size", 2, 64);
        Duration connectTimeout = s.positiveDuration("connect-timeout");
        return new Postgres(url, user, password, pool, connectTimeout);
    }
}
