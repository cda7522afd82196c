package io.sensorflow.jmh;

import io.sensorflow.model.Reading;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** One committed batch of 1,000 new readings for 10,000 sensors into SQLite (WAL, synchronous=normal); per reading. */
@State(Scope.Thread)
public class StoreBatchBenchmark {

    private static final int BATCH = 1000;

    @Param({"normal", "full"})
    public String synchronous;

    private Path dir;
    private SqliteStore store;
    private long timestamp;
    private int sensor;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("sensorflow-jmh");
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("jmh.db").toString())
                .withSynchronous(StoreConfig.Synchronous.valueOf(synchronous.toUpperCase())));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int commitBatch() {
        List<Reading> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(new Reading(String.format("s-%05d", sensor), "temperature", 21.5, timestamp, "jmh"));
            sensor = (sensor + 1) % 10_000;
            if (sensor == 0) {
                timestamp++;
            }
        }
        return store.write(batch, List.of());
    }
}
