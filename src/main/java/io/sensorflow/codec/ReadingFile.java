package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sensorflow.model.Reading;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads recorded readings from a file, one at a time, for replay (and later import): JSON lines in the
 * {@link CanonicalReading} shape ({@code .jsonl}, {@code .ndjson}, {@code .json}), or CSV ({@code .csv}) with a header
 * naming at least {@code sensor, metric, value, timestamp}; every other column becomes a tag. A bad line is reported
 * with its number and skipped, never the end of the file.
 */
public final class ReadingFile implements Closeable {

    private static final Set<String> CSV_FIELDS = Set.of("sensor", "metric", "value", "timestamp", "unit");

    private final String source;
    private final CountingStream bytes;
    private final long size;
    private final BufferedReader lines;
    private final MappingIterator<Map<String, String>> rows;
    private final ObjectMapper json = new ObjectMapper();
    private long line;

    /** One item of the file: a reading, or why its line is not one. */
    public record Item(long line, Reading reading, String error) {
    }

    private ReadingFile(Path file, String source) throws IOException {
        this.source = source;
        this.size = Files.size(file);
        this.bytes = new CountingStream(Files.newInputStream(file));
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".csv")) {
            CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.TRIM_SPACES)
                    .enable(CsvParser.Feature.SKIP_EMPTY_LINES);
            this.rows = mapper.readerForMapOf(String.class).with(CsvSchema.emptySchema().withHeader())
                    .readValues(bytes);
            this.lines = null;
        } else if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            this.lines = new BufferedReader(new InputStreamReader(bytes, StandardCharsets.UTF_8));
            this.rows = null;
        } else {
            bytes.close();
            throw new IOException(file + ": unknown format; use .jsonl (or .ndjson) or .csv");
        }
    }

    public static ReadingFile open(Path file, String source) throws IOException {
        return new ReadingFile(file, source);
    }

    /**
     * Whether a CSV column of this name is read as a tag; the reading's own fields (and {@code unit}) are not, so a
     * tag with such a name cannot travel through CSV.
     */
    public static boolean isCsvTagColumn(String column) {
        return !CSV_FIELDS.contains(column);
    }

    /** The next item, or null at the end of the file. */
    public Item next() throws IOException {
        return lines != null ? nextJson() : nextCsv();
    }

    private Item nextJson() throws IOException {
        String text;
        do {
            text = lines.readLine();
            line++;
            if (text == null) {
                return null;
            }
        } while (text.isBlank());
        try {
            JsonNode node = json.readTree(text);
            CanonicalReading.Fields f = CanonicalReading.parse(node);
            return new Item(line, f.toReading(source), null);
        } catch (JsonProcessingException e) {
            return new Item(line, null, "malformed JSON: " + e.getOriginalMessage());
        } catch (DecodeException e) {
            return new Item(line, null, e.getMessage());
        }
    }

    private Item nextCsv() throws IOException {
        try {
            if (!rows.hasNextValue()) {
                return null;
            }
            // Where the row starts: the parser stands at the end of the previous one (or of the header).
            long start = rows.getCurrentLocation().getLineNr();
            Map<String, String> row = rows.nextValue();
            line = start;
            for (String field : new String[]{"sensor", "metric", "value", "timestamp"}) {
                String cell = row.get(field);
                if (cell == null || cell.isEmpty()) {
                    return new Item(line, null, "column '" + field + "' is missing or empty");
                }
            }
            double value;
            try {
                value = Double.parseDouble(row.get("value"));
            } catch (NumberFormatException e) {
                return new Item(line, null, "value '" + row.get("value") + "' is not a number");
            }
            if (!Double.isFinite(value)) {
                return new Item(line, null, "value must be finite");
            }
            long timestamp = CanonicalReading.timestamp(row.get("timestamp"));
            Map<String, String> tags = new LinkedHashMap<>();
            row.forEach((column, cell) -> {
                if (!CSV_FIELDS.contains(column) && cell != null && !cell.isEmpty()) {
                    tags.put(column, cell);
                }
            });
            return new Item(line, new Reading(row.get("sensor"), row.get("metric"), value, timestamp, tags, source),
                    null);
        } catch (DecodeException e) {
            return new Item(line, null, e.getMessage());
        } catch (RuntimeException e) {
            // Jackson wraps CSV syntax errors (an unclosed quote, too many columns) in a RuntimeJsonMappingException.
            return new Item(line, null, "malformed CSV: " + e.getMessage());
        }
    }

    /** How far through the file reading has got, 0 to 1, for progress bars. */
    public double progress() {
        return size == 0 ? 1 : Math.min(1, (double) bytes.count / size);
    }

    @Override
    public void close() throws IOException {
        if (rows != null) {
            rows.close();
        }
        bytes.close();
    }

    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
