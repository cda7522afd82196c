package io.sensorflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sensorflow.codec.CanonicalReading;
import io.sensorflow.codec.DecodeException;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import io.sensorflow.config.SensorflowConfig;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** {@code sensorflow export}: stored readings out as JSON lines or CSV, for backup, migration and replay. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the stored readings of the config's store as JSON lines or CSV (what import and replay "
                + "read), each with its series' tags. Safe while the daemon runs: the store is opened read-only.")
final class ExportCommand implements java.util.concurrent.Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write; - or absent: stdout")
    String output;

    @Option(names = "--format", paramLabel = "jsonl|csv",
            description = "default: from the output's extension (.csv, else JSON lines)")
    String format;

    @Option(names = "--from", paramLabel = "TIME", description = "only readings at or after (epoch ms or ISO-8601)")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "only readings before (epoch ms or ISO-8601)")
    String to;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "show a progress bar on a terminal (default: on)")
    boolean progress;

    @Override
    public Integer call() {
        return run(System.out, System.err);
    }

    int run(PrintStream out, PrintStream err) {
        boolean csv;
        long fromMs;
        long toMs;
        try {
            csv = csv();
            fromMs = from == null ? Long.MIN_VALUE : CanonicalReading.timestamp(from);
            toMs = to == null ? Long.MAX_VALUE : CanonicalReading.timestamp(to);
        } catch (IllegalArgumentException | DecodeException e) {
            err.println(e.getMessage());
            return 2;
        }
        SensorflowConfig loaded;
        try {
            loaded = config.load(io.sensorflow.config.ConfigLoader.Scope.STORE);
        } catch (ConfigException e) {
            e.problems().stream().map(ConfigProblem::toString).forEach(err::println);
            return 1;
        }
        long started = System.nanoTime();
        boolean toStdout = output == null || output.equals("-");
        try (ReadingStore store = ReadingStore.openReadOnly(loaded.store());
             Writer writer = toStdout ? new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))
                     : Files.newBufferedWriter(Path.of(output))) {
            long total = store.countReadings();
            List<LatestReading> series = store.latest();
            List<String> tagNames = new ArrayList<>(new TreeSet<>(series.stream()
                    .flatMap(l -> l.tags().keySet().stream()).toList()));
            ProgressBar bar = new ProgressBar(err, progress && !toStdout, "readings");
            long[] written = {0};
            ObjectMapper json = new ObjectMapper();
            if (csv) {
                writer.write("sensor,metric,value,timestamp");
                for (String name : tagNames) {
                    writer.write(',');
                    writer.write(csvField(name));
                }
                writer.write('\n');
            }
            store.scanReadings(fromMs, toMs, ReadingStore.ScanOrder.ANY, reading -> {
                try {
                    if (csv) {
                        writeCsv(writer, reading, tagNames);
                    } else {
                        ObjectNode node = CanonicalReading.write(json.createObjectNode(), reading.sensor(),
                                reading.metric(), reading.value(), reading.timestamp(), reading.tags());
                        writer.write(json.writeValueAsString(node));
                        writer.write('\n');
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                bar.update(total == 0 ? 1 : (double) ++written[0] / total, written[0]);
            });
            writer.flush();
            bar.finish(written[0]);
            err.printf(Locale.ROOT, "exported %,d readings of %,d series to %s in %.1f s%n", written[0],
                    series.size(), toStdout ? "stdout" : output, (System.nanoTime() - started) / 1e9);
            return 0;
        } catch (StoreException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("cannot write " + (toStdout ? "stdout" : output) + ": " + e.getMessage());
            return 1;
        }
    }

    private boolean csv() {
        String chosen = format != null ? format.toLowerCase(Locale.ROOT)
                : output != null && output.toLowerCase(Locale.ROOT).endsWith(".csv") ? "csv" : "jsonl";
        return switch (chosen) {
            case "csv" -> true;
            case "jsonl", "ndjson", "json" -> false;
            default -> throw new IllegalArgumentException("--format must be jsonl or csv, got '" + format + "'");
        };
    }

    private static void writeCsv(Writer writer, Reading reading, List<String> tagNames) throws IOException {
        StringBuilder line = new StringBuilder(64);
        line.append(csvField(reading.sensor())).append(',').append(csvField(reading.metric())).append(',')
                .append(reading.value()).append(',').append(Instant.ofEpochMilli(reading.timestamp()));
        for (String name : tagNames) {
            line.append(',').append(csvField(reading.tags().getOrDefault(name, "")));
        }
        writer.write(line.append('\n').toString());
    }

    static String csvField(String text) {
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
