package io.sensorflow.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sensorflow.app.Components;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.codec.CanonicalReading;
import io.sensorflow.codec.DecodeException;
import io.sensorflow.codec.ReadingFile;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** {@code sensorflow export}: stored readings out as JSON lines or CSV, for backup, migration and replay. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the stored readings of the config's store as JSON lines or CSV (what import and replay "
                + "read), each with its series' tags. Safe while the daemon runs: the store is opened read-only "
                + "(SQLite in WAL mode lets readers run beside the writer) and the readings come from one "
                + "consistent snapshot.",
                "JSON lines keep everything; CSV cannot carry tags named sensor, metric, value, timestamp or unit, "
                        + "nor empty tag values (export warns about them).",
                "Exit 0: written; 1: the store or the output failed (a FILE is only replaced by a complete "
                        + "export); 2: a usage or config error."})
final class ExportCommand implements java.util.concurrent.Callable<Integer> {

    /** ISO-8601 with exactly three fraction digits, so every line has the same shape. */
    static final DateTimeFormatter ISO_MILLIS = new DateTimeFormatterBuilder().appendInstant(3)
            .toFormatter(Locale.ROOT);

    private static final int MAX_REPORTED_CSV_LOSSES = 5;
    private static final CsvMapper CSV = new CsvMapper();

    @Mixin
    ConfigOption config;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write; - or absent: stdout")
    String output;

    @Option(names = "--format", paramLabel = "jsonl|csv",
            description = "default: from the output's extension (.csv: CSV, anything else: JSON lines)")
    String format;

    @Option(names = "--from", paramLabel = "TIME", description = "only readings at or after (epoch ms or ISO-8601)")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "only readings before (epoch ms or ISO-8601)")
    String to;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        // Not System.out: a PrintStream swallows write errors, and a closed pipe must stop the export.
        return run(new FileOutputStream(FileDescriptor.out), System.err);
    }

    int run(OutputStream out, PrintStream err) {
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
        if (fromMs >= toMs) {
            err.println("--from must be before --to: the range is [from, to)");
            return 2;
        }
        SensorflowConfig loaded = config.loadOrReport(ConfigLoader.Scope.STORE, err);
        if (loaded == null) {
            return 2;
        }
        long started = System.nanoTime();
        boolean toStdout = output == null || output.equals("-");
        String target = toStdout ? "stdout" : output;
        // A file is written beside its final name and moved there when complete: a failed export never leaves a
        // truncated file that looks like a whole one.
        Path partial = toStdout ? null : Path.of(output + ".partial");
        boolean complete = false;
        try (ReadingStore store = Components.openStoreReadOnly(loaded.store())) {
            Exported exported;
            if (toStdout) {
                exported = export(store, new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)),
                        csv, fromMs, toMs, false, err);
            } else {
                try (Writer writer = Files.newBufferedWriter(partial)) {
                    exported = export(store, writer, csv, fromMs, toMs, progress.progress, err);
                }
                move(partial, Path.of(output));
            }
            complete = true;
            err.printf(Locale.ROOT, "exported %,d readings of %,d series to %s in %.1f s%n", exported.readings(),
                    exported.series(), target, (System.nanoTime() - started) / 1e9);
            return 0;
        } catch (StoreException e) {
            UncheckedIOException write = writeFailure(e);
            err.println(write != null ? "cannot write " + target + ": " + reason(write.getCause()) : e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            err.println("cannot write " + target + ": " + reason(cause));
            return 1;
        } finally {
            if (!complete && partial != null) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // Best effort: the name says what it is.
                }
            }
        }
    }

    private record Exported(long readings, long series) {
    }

    private static Exported export(ReadingStore store, Writer writer, boolean csv, long fromMs, long toMs,
                                   boolean progress, PrintStream err) throws IOException {
        long total = store.countReadings();
        // Tags belong to a series, so the series list names every tag column before the first reading is written.
        List<LatestReading> series = store.latest();
        List<String> tagNames = new ArrayList<>(new TreeSet<>(series.stream()
                .flatMap(l -> l.tags().keySet().stream()).toList()));
        Set<String> listed = Set.copyOf(tagNames);
        SequenceWriter rows = null;
        if (csv) {
            warnAboutCsvLosses(series, err);
            List<String> header = new ArrayList<>(List.of("sensor", "metric", "value", "timestamp"));
            header.addAll(tagNames);
            // Not closed here: closing it would close the output, which the caller owns.
            rows = CSV.writer(CsvSchema.emptySchema()).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .writeValues(writer);
            rows.write(header.toArray(String[]::new));
        }
        SequenceWriter csvRows = rows;
        ProgressBar bar = new ProgressBar(err, progress, "readings");
        ObjectMapper json = new ObjectMapper();
        Set<String> seenSeries = new HashSet<>();
        long[] counts = new long[2]; // readings written; readings with a tag the CSV header lacks
        String[] last = {null, null};
        store.scanReadings(fromMs, toMs, ReadingStore.ScanOrder.ANY, reading -> {
            // Readings come grouped by series, so the set is touched once per run of a series, not per reading.
            if (!reading.sensor().equals(last[0]) || !reading.metric().equals(last[1])) {
                last[0] = reading.sensor();
                last[1] = reading.metric();
                seenSeries.add(reading.sensor() + '\u0000' + reading.metric());
            }
            try {
                if (csv) {
                    if (!listed.containsAll(reading.tags().keySet())) {
                        counts[1]++; // a series created or retagged after the header was written
                    }
                    csvRows.write(csvRow(reading, tagNames));
                } else {
                    ObjectNode node = CanonicalReading.write(json.createObjectNode(), reading.sensor(),
                            reading.metric(), reading.value(), reading.timestamp(), reading.tags());
                    node.put("timestamp", ISO_MILLIS.format(Instant.ofEpochMilli(reading.timestamp())));
                    if (reading.unit() != null) {
                        node.put("unit", reading.unit());
                    }
                    writer.write(json.writeValueAsString(node));
                    writer.write('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            counts[0]++;
            bar.update(total == 0 ? 1 : (double) counts[0] / total, counts[0]);
        });
        long[] states = {0};
        store.scanStates(fromMs, toMs, state -> {
            states[0]++;
            if (csv) {
                return;
            }
            seenSeries.add(state.sensor() + '\u0000' + state.metric());
            ObjectNode node = json.createObjectNode();
            node.put("sensor", state.sensor());
            node.put("metric", state.metric());
            node.put("state", state.state());
            node.put("timestamp", ISO_MILLIS.format(Instant.ofEpochMilli(state.timestamp())));
            if (!state.tags().isEmpty()) {
                ObjectNode tags = node.putObject("tags");
                state.tags().forEach(tags::put);
            }
            try {
                writer.write(json.writeValueAsString(node));
                writer.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            counts[0]++;
        });
        if (csvRows != null) {
            csvRows.flush();
        }
        writer.flush();
        bar.finish(counts[0]);
        if (csv && states[0] > 0) {
            err.printf(Locale.ROOT, "warning: %,d state readings (text values) are not in the CSV, whose value column "
                    + "holds numbers; export as JSON lines to keep them%n", states[0]);
        }
        if (counts[1] > 0) {
            err.printf(Locale.ROOT, "warning: %,d readings have tags that are not CSV columns (their series were "
                    + "retagged during the export); those tags are missing; export as JSON lines to keep them%n",
                    counts[1]);
        }
        return new Exported(counts[0], seenSeries.size());
    }

    /** Says which series' tags a CSV file cannot carry exactly, once per series, before writing anything. */
    private static void warnAboutCsvLosses(List<LatestReading> series, PrintStream err) {
        List<String> losses = new ArrayList<>();
        for (LatestReading s : series) {
            s.tags().forEach((name, value) -> {
                if (!ReadingFile.isCsvTagColumn(name)) {
                    losses.add(s.sensor() + "/" + s.metric() + ": tag '" + name + "' has the name of a CSV column");
                } else if (value.isEmpty()) {
                    losses.add(s.sensor() + "/" + s.metric() + ": tag '" + name + "' is empty");
                }
            });
        }
        if (losses.isEmpty()) {
            return;
        }
        losses.stream().limit(MAX_REPORTED_CSV_LOSSES).forEach(loss -> err.println("warning: " + loss
                + "; CSV drops it"));
        if (losses.size() > MAX_REPORTED_CSV_LOSSES) {
            err.printf(Locale.ROOT, "warning: ... and %,d more such tags%n", losses.size() - MAX_REPORTED_CSV_LOSSES);
        }
        err.println("warning: export as JSON lines (--format jsonl) to keep every tag");
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

    private static void move(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Why a write failed, in words: NIO's file exceptions carry only the path as their message. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    /** The output failure inside a store error: PostgreSQL's store wraps what the consumer throws. */
    private static UncheckedIOException writeFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UncheckedIOException u) {
                return u;
            }
        }
        return null;
    }

    private static String[] csvRow(Reading reading, List<String> tagNames) {
        String[] row = new String[4 + tagNames.size()];
        row[0] = reading.sensor();
        row[1] = reading.metric();
        row[2] = Double.toString(reading.value());
        row[3] = ISO_MILLIS.format(Instant.ofEpochMilli(reading.timestamp()));
        for (int i = 0; i < tagNames.size(); i++) {
            row[4 + i] = reading.tags().getOrDefault(tagNames.get(i), "");
        }
        return row;
    }
}
