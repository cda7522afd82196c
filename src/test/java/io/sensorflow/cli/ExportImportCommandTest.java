package io.sensorflow.cli;

import io.sensorflow.codec.ReadingFile;
import io.sensorflow.model.LatestReading;
import io.sensorflow.model.Reading;
import io.sensorflow.store.Bucket;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.Resolution;
import io.sensorflow.store.StoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** export → file → import into a fresh store gives the same readings, in both formats, and import is idempotent. */
class ExportImportCommandTest {

    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    @TempDir
    Path dir;

    private Path config(String name) throws IOException {
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, "sensorflow.store.path = \"" + dir.resolve(name + ".db").toString().replace("\\", "/")
                + "\"\n");
        return file;
    }

    private List<Reading> fill(String name) throws IOException {
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String sensor = "s" + (i % 3);
            // s0 was retagged half way: a series carries the tags of its newest reading. s1's tag needs quoting.
            Map<String, String> tags = switch (sensor) {
                case "s0" -> i < 150 ? Map.of("room", "old") : Map.of("room", "lab, east", "floor", "1");
                case "s1" -> Map.of("note", " said \"hi\" ");
                default -> Map.of();
            };
            readings.add(new Reading(sensor, i % 2 == 0 ? "temperature" : "humidity", i * 0.5, T0 + i * 1000L, tags,
                    "test"));
        }
        config(name);
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve(name + ".db").toString()))) {
            store.write(readings, List.of());
        }
        return readings;
    }

    private static List<String> stored(Path db) {
        List<String> result = new ArrayList<>();
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(db.toString()))) {
            store.scanReadings(Long.MIN_VALUE, Long.MAX_VALUE, ReadingStore.ScanOrder.ANY,
                    r -> result.add(r.sensor() + "/" + r.metric() + "@" + r.timestamp() + "=" + r.value() + r.tags()));
        }
        result.sort(String::compareTo);
        return result;
    }

    private static List<LatestReading> latest(Path db) {
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(db.toString()))) {
            return store.latest();
        }
    }

    private String[] export(String... args) {
        ExportCommand command = new ExportCommand();
        new CommandLine(command).parseArgs(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = command.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{String.valueOf(exit), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }

    private String[] importFile(String... args) {
        ImportCommand command = new ImportCommand();
        new CommandLine(command).parseArgs(args);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = command.run(new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{String.valueOf(exit), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void bothFormatsRoundTripReadingsAndTagsAndImportTwiceStoresNothingTwice() throws IOException {
        fill("source");
        List<String> original = stored(dir.resolve("source.db"));
        assertThat(original).hasSize(300);
        for (String extension : List.of("jsonl", "csv")) {
            Path file = dir.resolve("all." + extension);
            String[] exported = export("-c", config("source").toString(), "-o", file.toString());
            assertThat(exported[0]).as(exported[2]).isEqualTo("0");
            assertThat(exported[2]).contains("exported 300 readings of 6 series");

            Path target = config("target-" + extension);
            String[] imported = importFile("-c", target.toString(), "-i", file.toString(), "--batch-size", "70");
            assertThat(imported[0]).as(imported[1]).isEqualTo("0");
            assertThat(imported[1]).contains("imported 300 new readings (0 already stored, 0 bad lines)");
            assertThat(stored(dir.resolve("target-" + extension + ".db"))).as(extension).isEqualTo(original);
            assertThat(latest(dir.resolve("target-" + extension + ".db"))).as(extension)
                    .isEqualTo(latest(dir.resolve("source.db")))
                    .anySatisfy(l -> assertThat(l.tags()).containsEntry("room", "lab, east"))
                    .anySatisfy(l -> assertThat(l.tags()).containsEntry("note", " said \"hi\" "));

            String[] again = importFile("-c", target.toString(), "-i", file.toString());
            assertThat(again[1]).contains("imported 0 new readings (300 already stored");
        }
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve("target-csv.db").toString()))) {
            Bucket minute = store.rollups("s0", "temperature", Resolution.MINUTE, T0, T0 + 60_000, 1).get(0);
            assertThat(minute.count()).as("rollups built on import, once").isEqualTo(10);
        }
    }

    @Test
    void exportsAHalfOpenRangeToStdoutInTheShapeReplayReads() throws IOException {
        fill("range");
        String[] r = export("-c", config("range").toString(), "--from", "2026-01-01T00:00:10Z",
                "--to", Long.toString(T0 + 20_000));
        assertThat(r[0]).isEqualTo("0");
        String[] lines = r[1].split("\n");
        assertThat(lines).hasSize(10);
        assertThat(lines[0]).as("ISO-8601 with milliseconds").containsPattern(
                "\"timestamp\":\"2026-01-01T00:00:[0-9]{2}\\.000Z\"");
        Path file = dir.resolve("range.jsonl");
        Files.writeString(file, r[1]);
        List<Long> times = new ArrayList<>();
        try (ReadingFile reading = ReadingFile.open(file, "test")) {
            ReadingFile.Item item;
            while ((item = reading.next()) != null) {
                assertThat(item.error()).isNull();
                times.add(item.reading().timestamp());
            }
        }
        assertThat(times).allMatch(t -> t >= T0 + 10_000 && t < T0 + 20_000).hasSize(10)
                .contains(T0 + 10_000).doesNotContain(T0 + 20_000);

        String[] two = export("-c", config("range").toString(), "--from", Long.toString(T0 + 10_000),
                "--to", "2026-01-01T00:00:12Z", "--format", "csv");
        assertThat(two[1].split("\n")).hasSize(3);
        assertThat(two[2]).as("series in the range, not in the store").contains("exported 2 readings of 2 series");
    }

    @Test
    void csvWarnsAboutTagsItCannotCarryAndJsonLinesKeepsThem() throws IOException {
        config("unit");
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve("unit.db").toString()))) {
            store.write(List.of(new Reading("s1", "t", 1, T0, Map.of("unit", "Cel", "room", "lab"), "test")),
                    List.of());
        }
        String[] csv = export("-c", config("unit").toString(), "--format", "csv");
        assertThat(csv[0]).isEqualTo("0");
        assertThat(csv[2]).contains("warning: s1/t: tag 'unit' has the name of a CSV column; CSV drops it")
                .contains("--format jsonl");
        String[] json = export("-c", config("unit").toString());
        assertThat(json[2]).doesNotContain("warning");
        Path file = dir.resolve("unit.jsonl");
        Files.writeString(file, json[1]);
        assertThat(importFile("-c", config("unit-copy").toString(), "-i", file.toString())[0]).isEqualTo("0");
        assertThat(latest(dir.resolve("unit-copy.db"))).singleElement()
                .satisfies(l -> assertThat(l.tags()).isEqualTo(Map.of("unit", "Cel", "room", "lab")));
    }

    @Test
    void statesAndUnitsRoundTripThroughJsonLinesAndCsvSaysItLeavesStatesOut() throws IOException {
        config("doors");
        try (ReadingStore store = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve("doors.db").toString()))) {
            store.write(List.of(Reading.ofState("door-1", "door", "open", T0, Map.of("room", "lab"), "test"),
                    Reading.ofState("door-1", "door", "closed", T0 + 1000, Map.of("room", "lab"), "test"),
                    new Reading("s1", "t", 1, T0, Map.of(), "test", "Cel")), List.of());
        }
        String[] json = export("-c", config("doors").toString());
        assertThat(json[0]).isEqualTo("0");
        assertThat(json[1]).contains("\"state\":\"open\"", "\"state\":\"closed\"");
        Path file = dir.resolve("doors.jsonl");
        Files.writeString(file, json[1]);
        assertThat(importFile("-c", config("doors-copy").toString(), "-i", file.toString())[0]).isEqualTo("0");
        try (ReadingStore copy = io.sensorflow.app.Components.openStore(StoreConfig.sqlite(dir.resolve("doors-copy.db").toString()))) {
            assertThat(copy.states("door-1", "door", 0, Long.MAX_VALUE, 10)).extracting(s -> s.state())
                    .containsExactly("open", "closed");
            assertThat(copy.countReadings()).isEqualTo(1);
            assertThat(copy.latest()).filteredOn(l -> l.sensor().equals("s1")).singleElement()
                    .extracting(LatestReading::unit).as("units travel with JSON lines").isEqualTo("Cel");
        }
        String[] csv = export("-c", config("doors").toString(), "--format", "csv");
        assertThat(csv[2]).contains("warning: 2 state readings (text values) are not in the CSV");
        assertThat(csv[1]).doesNotContain("door-1");
    }

    @Test
    void aBadLineIsNamedSkippedAndMakesTheExitOne() throws IOException {
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "sensor,metric,value,timestamp\ns1,t,1,2026-01-01T00:00:00Z\ns1,t,warm,"
                + "2026-01-01T00:00:01Z\ns1,t,3,2026-01-01T00:00:02Z\n");
        String[] r = importFile("-c", config("bad").toString(), "-i", file.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("bad.csv:3: skipped: value 'warm' is not a number")
                .contains("imported 2 new readings (0 already stored, 1 bad lines)");
    }

    @Test
    void usageErrorsExitTwo() throws IOException {
        Path unknown = dir.resolve("readings.xml");
        Files.writeString(unknown, "<readings/>");
        assertThat(importFile("-c", config("u").toString(), "-i", unknown.toString())[0]).isEqualTo("2");
        assertThat(importFile("-c", config("u").toString(), "-i", dir.resolve("nope.csv").toString())[1])
                .contains("no such file");
        fill("f");
        assertThat(export("-c", config("f").toString(), "--format", "xml")[0]).isEqualTo("2");
        assertThat(export("-c", config("f").toString(), "--from", "2026-01-01T00:00:10Z", "--to",
                "2026-01-01T00:00:10Z")[0]).isEqualTo("2");
        assertThat(export("-c", config("f").toString(), "--from", "yesterday")[0]).isEqualTo("2");
        assertThat(export("-c", dir.resolve("missing.conf").toString())[0]).isEqualTo("2");
    }

    @Test
    void aFailedExportLeavesAnExistingFileAlone() throws IOException {
        Path file = dir.resolve("keep.jsonl");
        Files.writeString(file, "previous export\n");
        String[] r = export("-c", config("none").toString(), "-o", file.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("there is no SQLite store at");
        assertThat(file).hasContent("previous export");
        assertThat(dir.resolve("keep.jsonl.partial")).doesNotExist();

        fill("full");
        String[] nowhere = export("-c", config("full").toString(), "-o", dir.resolve("no/such/dir.csv").toString());
        assertThat(nowhere[0]).isEqualTo("1");
        assertThat(nowhere[2]).contains("cannot write").contains("its directory does not exist");
    }
}
