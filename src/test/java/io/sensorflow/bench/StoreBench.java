package io.sensorflow.bench;

import io.sensorflow.model.Reading;
import io.sensorflow.store.Batch;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.SeriesQuery;
import io.sensorflow.store.StoreConfig;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The storage benchmark (docs/benchmarks.md, "Storage"): sustained insert rate of the pipeline's commits into SQLite
 * and into the local PostgreSQL, and the time of a 24 h query at 1 min step on a store holding 10 M readings.
 *
 * <p>Inserts go through {@link ReadingStore#write(Batch)}, the call the pipeline's commit stage makes, with batches
 * of {@code --batch} readings from {@code --sensors} sensors, each sensor's readings advancing in time; rollups,
 * series and the idempotency check all run as in the daemon. Run:
 * {@code mvn -B -Pstore-bench test-compile} with {@code -Dbench.args="--stores sqlite,postgres ..."}.
 * PostgreSQL: a throwaway database on the server at 127.0.0.1:5432 (created and dropped here).
 */
public final class StoreBench {

    public static void main(String[] args) throws Exception {
        List<String> stores = List.of("sqlite", "postgres");
        int sensors = 10_000;
        int batch = 1000;
        long readings = 3_000_000;
        long queryReadings = 10_000_000;
        int querySensors = 1000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stores" -> stores = List.of(args[++i].split(","));
                case "--sensors" -> sensors = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--readings" -> readings = Long.parseLong(args[++i]);
                case "--query-readings" -> queryReadings = Long.parseLong(args[++i]);
                case "--query-sensors" -> querySensors = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("storage benchmark: %s; inserts: %,d readings from %,d sensors in batches of %,d; "
                + "query: 24 h at 1 min step over %,d readings of %,d sensors%n", stores, readings, sensors, batch,
                queryReadings, querySensors);
        for (String type : stores) {
            try (Target target = Target.create(type)) {
                insert(type, target, sensors, batch, readings);
            }
            if (queryReadings == 0) {
                continue;
            }
            try (Target target = Target.create(type)) {
                try (ReadingStore store = io.sensorflow.app.Components.openStore(target.config())) {
                    query(type, store, querySensors, batch * 10, queryReadings);
                }
            }
        }
        System.exit(0);
    }

    /** Writes {@code total} readings and prints the sustained rate, per million and overall. */
    private static void insert(String type, Target target, int sensors, int batchSize, long total) {
        ReadingStore store = io.sensorflow.app.Components.openStore(target.config());
        long started = System.nanoTime();
        long lap = started;
        long written = 0;
        long timestamp = 1_700_000_000_000L;
        int sensor = 0;
        String[] names = names(sensors);
        while (written < total) {
            List<Reading> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                batch.add(new Reading(names[sensor], "temperature", 20 + (written + i) % 100 / 10.0, timestamp,
                        "bench"));
                if (++sensor == sensors) {
                    sensor = 0;
                    timestamp += 1000;
                }
            }
            store.write(Batch.of(batch, List.of()));
            written += batchSize;
            if (written % 1_000_000 < batchSize) {
                long now = System.nanoTime();
                System.out.printf(Locale.ROOT, "  %s insert: %,d readings, last million at %,.0f/s%n", type, written,
                        1_000_000 / ((now - lap) / 1e9));
                lap = now;
            }
        }
        long stored = store.countReadings();
        // Until everything is merged, rolled up and closed: the rate includes the work deferred past the commits.
        store.close();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "%s insert: %,d readings in %.1f s including close = %,.0f readings/s "
                + "(stored %,d)%n", type, written, seconds, written / seconds, stored);
    }

    /** Fills the store with one day (and a bit) of readings of every sensor, then times 24 h queries at 1 min. */
    private static void query(String type, ReadingStore store, int sensors, int batchSize, long total) {
        long perSensor = total / sensors;
        long day = 86_400_000L;
        long interval = Math.max(1, (day + 3_600_000L) / perSensor);
        long start = 1_700_000_000_000L;
        String[] names = names(sensors);
        long began = System.nanoTime();
        List<Reading> batch = new ArrayList<>(batchSize);
        for (long n = 0; n < perSensor; n++) {
            for (int s = 0; s < sensors; s++) {
                batch.add(new Reading(names[s], "temperature", (n + s) % 50, start + n * interval, "bench"));
                if (batch.size() == batchSize) {
                    store.write(Batch.of(batch, List.of()));
                    batch = new ArrayList<>(batchSize);
                }
            }
        }
        if (!batch.isEmpty()) {
            store.write(Batch.of(batch, List.of()));
        }
        System.out.printf(Locale.ROOT, "  %s query setup: %,d readings in %.0f s%n", type, store.countReadings(),
                (System.nanoTime() - began) / 1e9);
        Random random = new Random(42);
        Histogram histogram = new Histogram(3);
        long to = start + perSensor * interval;
        for (int i = 0; i < 500; i++) {
            String sensor = names[random.nextInt(sensors)];
            long queryStarted = System.nanoTime();
            SeriesQuery.Result result = SeriesQuery.run(store, new SeriesQuery.Request(sensor, "temperature",
                    to - day, to, 60_000, 10_000));
            long micros = (System.nanoTime() - queryStarted) / 1000;
            if (i >= 50) {
                histogram.recordValue(micros);
            }
            if (result.buckets().size() < 1400) {
                throw new IllegalStateException("expected a day of minutes, got " + result.buckets().size());
            }
        }
        long latestStarted = System.nanoTime();
        int series = store.latest().size();
        System.out.printf(Locale.ROOT, "%s latest of every series (%,d): %.1f ms%n", type, series,
                (System.nanoTime() - latestStarted) / 1e6);
        System.out.printf(Locale.ROOT, "%s query 24 h at 1 min (1,440 buckets, from %s rollups): p50 %.2f ms, "
                        + "p99 %.2f ms, max %.2f ms over %d queries%n", type, "1m",
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                histogram.getMaxValue() / 1000.0, histogram.getTotalCount());
    }

    private static String[] names(int sensors) {
        String[] names = new String[sensors];
        for (int i = 0; i < sensors; i++) {
            names[i] = String.format("s-%05d", i);
        }
        return names;
    }

    /** A fresh, empty store of one type, removed afterwards. */
    private record Target(StoreConfig config, Path dir, BenchDatabase database) implements AutoCloseable {

        /** Readings are from 2023: retention must not delete them mid-run. */
        private static StoreConfig keepForever(StoreConfig config) {
            return config.withRetention(java.time.Duration.ZERO, java.time.Duration.ZERO, java.time.Duration.ZERO);
        }

        static Target create(String type) throws Exception {
            if (type.equals("sqlite")) {
                Path dir = Files.createTempDirectory("sensorflow-store-bench");
                return new Target(keepForever(StoreConfig.sqlite(dir.resolve("bench.db").toString())), dir, null);
            }
            BenchDatabase database = BenchDatabase.create();
            return new Target(keepForever(StoreConfig.postgres(database.url(), "postgres", "")), null, database);
        }

        @Override
        public void close() throws Exception {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            } else {
                database.close();
            }
        }
    }
}
