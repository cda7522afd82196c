package io.sensorflow.cli;

import io.sensorflow.app.Components;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.codec.ReadingFile;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code sensorflow import}: readings from JSON lines or CSV into the config's store, idempotently. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Write readings from a .jsonl or .csv file (what export writes) into the config's store. A "
                + "reading already stored is skipped, so an import can be repeated. Rollups are built as it goes. "
                + "For an SQLite store, stop its daemon first (one writer). "
                + "Exit 0: every line imported; 1: some lines were bad (reported, the rest is imported); 2: a usage "
                + "or config error, or the file or store failed part way (what was committed stays; run the same "
                + "import again to finish it).")
final class ImportCommand implements java.util.concurrent.Callable<Integer> {

    private static final int MAX_REPORTED_BAD_LINES = 10;

    @Mixin
    ConfigOption config;

    @Mixin
    InputOption input;

    @Option(names = "--batch-size", defaultValue = "5000", paramLabel = "N",
            description = "readings per transaction (default: 5000)")
    int batchSize;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        return run(System.err);
    }

    int run(PrintStream err) {
        if (!Files.isRegularFile(input.file)) {
            err.println("no such file: " + input.file);
            return 2;
        }
        if (batchSize < 1 || batchSize > 100_000) {
            err.println("--batch-size must be from 1 to 100000, got " + batchSize);
            return 2;
        }
        SensorflowConfig loaded = config.loadOrReport(ConfigLoader.Scope.STORE, err);
        if (loaded == null) {
            return 2;
        }
        ReadingFile file;
        try {
            file = ReadingFile.open(input.file, "import");
        } catch (IOException | IllegalArgumentException e) {
            err.println("cannot read " + input.file + ": " + e.getMessage());
            return 2;
        }
        long started = System.nanoTime();
        long read = 0;
        long stored = 0;
        long bad = 0;
        try (file; ReadingStore store = Components.openStore(loaded.store())) {
            ProgressBar bar = new ProgressBar(err, progress.progress, "readings");
            List<Reading> batch = new ArrayList<>(batchSize);
            ReadingFile.Item item;
            while ((item = file.next()) != null) {
                if (item.reading() == null) {
                    input.skipped(item, ++bad, MAX_REPORTED_BAD_LINES, err);
                    continue;
                }
                batch.add(item.reading());
                read++;
                if (batch.size() == batchSize) {
                    stored += store.write(batch, List.of());
                    batch = new ArrayList<>(batchSize);
                    bar.update(file.progress(), read);
                }
            }
            if (!batch.isEmpty()) {
                stored += store.write(batch, List.of());
            }
            bar.finish(read);
        } catch (IOException | StoreException e) {
            err.println(e instanceof IOException ? "cannot read " + input.file + ": " + e.getMessage() : e.getMessage());
            // Every batch before the failure is committed; importing the file again skips those readings.
            if (read > 0) {
                err.printf(Locale.ROOT, "import stopped: %,d new readings stored from %s before the failure; run it "
                        + "again to finish%n", stored, input.file);
            }
            return 2;
        }
        if (bad > MAX_REPORTED_BAD_LINES) {
            err.printf(Locale.ROOT, "... and %,d more bad lines%n", bad - MAX_REPORTED_BAD_LINES);
        }
        err.printf(Locale.ROOT, "imported %,d new readings (%,d already stored, %,d bad lines) from %s in %.1f s%n",
                stored, read - stored, bad, input.file, (System.nanoTime() - started) / 1e9);
        return bad == 0 ? 0 : 1;
    }
}
