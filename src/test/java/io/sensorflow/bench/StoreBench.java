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
 * {@code mvn -B -Pstore-bench test-compile} with {@code -Dbench.args="--stores sqlite,postgres ..."} ({@link Options});
 * any small sizes work, for a quick check that it runs, and a value it cannot use is refused with exit code 2.
 * PostgreSQL: a throwaway database on the server at 127.0.0.1:5432 (created and dropped here).
 */
public final class StoreBench {

    /** What a run measures; {@link #parse} refuses what cannot run, saying which option and why. */
    record Options(List<String> stores, int sensors, int batch, long readings, long queryReadings,
                   int querySensors) {

        static final String USAGE = "options: --stores sqlite,postgres --sensors N (1..1,000,000) --batch N "
                + "(1..100,000) --readings N (0 skips the inserts) --query-readings N (0 skips the query) "
                + "--query-sensors N (1..1,000,000)";
        private static final List<String> STORES = List.of("sqlite", "postgres");

        static Options parse(String... args) {
            List<String> stores = STORES;
            int sensors = 10_000;
            int batch = 1000;
            long readings = 3_000_000;
            long queryReadings = 10_000_000;
            int querySensors = 1000;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!option.startsWith("--")) {
                    throw new IllegalArgumentException("expected an option, got '" + option + "'");
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--stores" -> stores = stores(value);
                    case "--sensors" -> sensors = (int) number(option, value, 1, 1_000_000);
                    // A batch is one list in memory; beyond this it measures the heap, not the store.
                    case "--batch" -> batch = (int) number(option, value, 1, 100_000);
                    case "--readings" -> readings = number(option, value, 0, Long.MAX_VALUE);
                    case "--query-readings" -> queryReadings = number(option, value, 0, Long.MAX_VALUE);
                    case "--query-sensors" -> querySensors = (int) number(option, value, 1, 1_000_000);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            return new Options(stores, sensors, batch, readings, queryReadings, querySensors);
        }

        private static List<String> stores(String value) {
            List<String> stores = List.of(value.split(","));
            for (String store : stores) {
                if (!STORES.contains(store)) {
                    throw new IllegalArgumentException("--stores: unknown store '" + store + "'; one or both of "
                            + String.join(",", STORES));
                }
            }
            return stores;
        }

        private static long number(String option, String value, long min, long max) {
            long n;
            try {
                n = Long.parseLong(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a whole number, got '" + value + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be %,d or more%s, got %,d",
                        option, min, max == Long.MAX_VALUE ? "" : String.format(Locale.ROOT, " and %,d at most", max),
                        n));
            }
            return n;
        }
    }

    /**
     * How the query store is filled: {@code total} readings spread over at most {@code sensors} sensors (fewer when
     * there are fewer readings than sensors), each sensor's readings evenly over a day and an hour, so that the 24 h
     * query ends at the newest reading. From 1,500 readings a sensor on, every minute has one (the default 10 M of
     * 1,000 sensors has 10,000); fewer give fewer buckets, which {@link #buckets} counts.
     */
    record QueryPlan(int sensors, long perSensor, long interval, long start) {

        static final long DAY = 86_400_000L;
        static final long STEP = 60_000L;

        static QueryPlan of(long total, int sensors) {
            if (total < 1 || sensors < 1) {
                throw new IllegalArgumentException("a query needs at least one reading of one sensor");
            }
            int used = (int) Math.min(sensors, total);
            long perSensor = total / used;
            // A day and an hour, so that the day's first minute is full; a single reading is put in the day itself.
            long interval = Math.max(1, Math.min(DAY, (DAY + 3_600_000L) / perSensor));
            return new QueryPlan(used, perSensor, interval, 1_700_000_000_000L);
        }

        long timestamp(long n) {
            return start + n * interval;
        }

        /** The end of the queried day: just after each sensor's newest reading. */
        long to() {
            return timestamp(perSensor);
        }

        long from() {
            return to() - DAY;
        }

        /** How many 1 min buckets the query must answer: the minutes of the day that hold a reading of the sensor. */
        long buckets() {
            long first = Math.floorDiv(from(), STEP) * STEP;
            long count = 0;
            long last = Long.MIN_VALUE;
            for (long n = 0; n < perSensor; n++) {
                long t = timestamp(n);
                if (t >= first && t < to() && Math.floorDiv(t, STEP) != last) {
                    last = Math.floorDiv(t, STEP);
                    count++;
                }
            }
            return count;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("store-bench: " + e.getMessage() + "\n" + Options.USAGE);
            System.exit(2);
            return;
        }
        System.out.printf(Locale.ROOT, "storage benchmark: %s; inserts: %,d readings from %,d sensors in batches of "
                + "%,d; query: 24 h at 1 min step over %,d readings of %,d sensors%n", options.stores(),
                options.readings(), options.sensors(), options.batch(), options.queryReadings(),
                options.querySensors());
        for (String type : options.stores()) {
            if (options.readings() > 0) {
                try (Target target = Target.create(type)) {
                    insert(type, target, options.sensors(), options.batch(), options.readings());
                }
            }
            if (options.queryReadings() == 0) {
                continue;
            }
            try (Target target = Target.create(type)) {
                try (ReadingStore store = io.sensorflow.app.Components.openStore(target.config())) {
                    query(type, store, QueryPlan.of(options.queryReadings(), options.querySensors()),
                            options.batch() * 10);
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
            // The last batch is what is left: a total that is not a whole number of batches is written exactly.
            int size = (int) Math.min(batchSize, total - written);
            List<Reading> batch = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                batch.add(new Reading(names[sensor], "temperature", 20 + (written + i) % 100 / 10.0, timestamp,
                        "bench"));
                if (++sensor == sensors) {
                    sensor = 0;
                    timestamp += 1000;
                }
            }
            store.write(Batch.of(batch, List.of()));
            written += size;
            if (written % 1_000_000 < size) {
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
    private static void query(String type, ReadingStore store, QueryPlan plan, int batchSize) {
        String[] names = names(plan.sensors());
        long began = System.nanoTime();
        List<Reading> batch = new ArrayList<>(batchSize);
        for (long n = 0; n < plan.perSensor(); n++) {
            for (int s = 0; s < plan.sensors(); s++) {
                batch.add(new Reading(names[s], "temperature", (n + s) % 50, plan.timestamp(n), "bench"));
                if (batch.size() == batchSize) {
                    store.write(Batch.of(batch, List.of()));
                    batch = new ArrayList<>(batchSize);
                }
            }
        }
        if (!batch.isEmpty()) {
            store.write(Batch.of(batch, List.of()));
        }
        System.out.printf(Locale.ROOT, "  %s query setup: %,d readings of %,d sensors in %.0f s%n", type,
                store.countReadings(), plan.sensors(), (System.nanoTime() - began) / 1e9);
        Random random = new Random(42);
        Histogram histogram = new Histogram(3);
        long buckets = plan.buckets();
        for (int i = 0; i < 500; i++) {
            String sensor = names[random.nextInt(plan.sensors())];
            long queryStarted = System.nanoTime();
            SeriesQuery.Result result = SeriesQuery.run(store, new SeriesQuery.Request(sensor, "temperature",
                    plan.from(), plan.to(), QueryPlan.STEP, 10_000));
            long micros = (System.nanoTime() - queryStarted) / 1000;
            if (i >= 50) {
                histogram.recordValue(micros);
            }
            if (result.buckets().size() != buckets) {
                throw new IllegalStateException("expected " + buckets + " buckets of a minute, got "
                        + result.buckets().size());
            }
        }
        long latestStarted = System.nanoTime();
        int series = store.latest().size();
        System.out.printf(Locale.ROOT, "%s latest of every series (%,d): %.1f ms%n", type, series,
                (System.nanoTime() - latestStarted) / 1e6);
        System.out.printf(Locale.ROOT, "%s query 24 h at 1 min (%,d buckets, from %s rollups): p50 %.2f ms, "
                        + "p99 %.2f ms, max %.2f ms over %d queries%n", type, buckets, "1m",
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
