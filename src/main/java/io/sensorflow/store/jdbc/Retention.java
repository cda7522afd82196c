package io.sensorflow.store.jdbc;

import io.sensorflow.store.ReadingStore.Retained;
import io.sensorflow.store.StoreConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Deletes what is older than its retention: raw readings and state readings, each rollup table by its own age, dead
 * letters and finished action deliveries (by the raw retention). Works a few hundred series per transaction, so that
 * ingest never waits long behind it.
 */
record Retention(StoreConfig config, Transactor transactor, SeriesRepository series,
                 DeadLetterRepository deadLetters, DeliveryRepository deliveries) {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    /** Series per retention transaction. */
    private static final int CHUNK = 200;

    /** The hourly job: what it deleted is worth a line in the log. */
    void run() {
        Retained retained = retain(System.currentTimeMillis());
        if (retained.readings() + retained.deadLetters() + retained.minuteRollups() + retained.hourRollups()
                + retained.deliveries() > 0) {
            LOG.info("retention deleted {}", retained);
        }
    }

    Retained retain(long now) {
        long readings = 0;
        long minutes = 0;
        long hours = 0;
        List<Integer> ids = series.ids();
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<Integer> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
            readings += deleteOlder("readings", "ts", chunk, config.retention(), now);
            readings += deleteOlder("states", "ts", chunk, config.retention(), now);
            minutes += deleteOlder("rollup_1m", "bucket", chunk, config.minuteRetention(), now);
            hours += deleteOlder("rollup_1h", "bucket", chunk, config.hourRetention(), now);
        }
        long deleted = config.retention().isZero() ? 0
                : deadLetters.deleteReceivedBefore(now - config.retention().toMillis());
        long finished = config.retention().isZero() ? 0
                : deliveries.deleteFinishedBefore(now - config.retention().toMillis());
        return new Retained(readings, deleted, minutes, hours, finished);
    }

    private long deleteOlder(String table, String column, List<Integer> ids, Duration retention, long now) {
        if (retention.isZero()) {
            return 0;
        }
        long cutoff = now - retention.toMillis();
        return transactor.transaction(table + " retention", connection -> {
            long deleted = 0;
            // One range delete per series: the primary key (series, time) finds each range without a time index.
            for (int count : Jdbc.batch(connection, "DELETE FROM " + table + " WHERE series = ? AND " + column + " < ?",
                    ids, id -> new Object[] {id, cutoff})) {
                deleted += Math.max(count, 0);
            }
            return Transactor.Commit.of(deleted);
        });
    }
}
