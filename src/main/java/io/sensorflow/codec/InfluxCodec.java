package io.sensorflow.codec;

import io.sensorflow.model.Reading;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * InfluxDB line protocol, as Telegraf and many gateways write it:
 * {@code measurement[,tag=value...] field=value[,field=value...] [timestamp]}, one point per line.
 *
 * <p>Each numeric field (float, {@code i} integer, {@code u} unsigned, boolean as 1/0) becomes one reading. Its metric
 * is the measurement for a field named {@code value}, else {@code measurement_field} (Telegraf's own naming for
 * Prometheus). The sensor is the tag named {@code sensorTag}, or the topic's {sensor}; the other tags are kept.
 * A string field is a state reading. A line that cannot be used is rejected alone; the other lines are kept.
 * Escaping follows InfluxDB's rules: {@code \,} and {@code \ } in measurements, also {@code \=} in tag keys, tag values
 * and field keys, {@code \"} and {@code \\} in string field values; any other backslash is literal.
 */
public final class InfluxCodec implements PayloadCodec {

    /** {@code format = influx}: InfluxDB line protocol; http-push takes it as text/plain with {@code ?precision=}. */
    public static final PayloadFormat FORMAT = PayloadFormat.of("influx", PayloadFormat.Naming.PAYLOAD,
            mapping -> new InfluxCodec(mapping.precision().orElse(TimePrecision.NS), mapping.sensorTag()))
            .takenAs("text/plain").withQueryPrecision();


    private static final java.util.regex.Pattern FLOAT =
            java.util.regex.Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private final TimePrecision precision;
    private final String sensorTag;

    InfluxCodec(TimePrecision precision, String sensorTag) {
        this.precision = precision;
        this.sensorTag = sensorTag;
    }

    @Override
    public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        String text = new String(payload, StandardCharsets.UTF_8);
        Decoded.Builder decoded = new Decoded.Builder(8);
        int lineNumber = 0;
        int start = 0;
        boolean any = false;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNumber++;
            String line = text.substring(start, end);
            start = end + 1;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            any = true;
            int before = decoded.size();
            try {
                new Line(trimmed).parse(decoded, source, topic, receivedAt);
            } catch (DecodeException e) {
                decoded.truncate(before);
                decoded.reject("line " + lineNumber, e);
            }
        }
        if (!any) {
            throw new DecodeException("empty-payload", "no line protocol in the payload");
        }
        return decoded.build();
    }

    /** A cursor over one line. */
    private final class Line {
        private final String s;
        private int i;

        Line(String s) {
            this.s = s;
        }

        void parse(Decoded.Builder out, String source, TopicMatch topic, long receivedAt) throws DecodeException {
            String measurement = token(", ", false);
            if (measurement.isEmpty()) {
                throw new DecodeException("bad-line", "no measurement");
            }
            Map<String, String> tags = new LinkedHashMap<>();
            while (i < s.length() && s.charAt(i) == ',') {
                i++;
                String key = token("= ,", true);
                expect('=', "tag " + key + " has no '='");
                String value = token(", ", true);
                if (key.isEmpty() || value.isEmpty()) {
                    throw new DecodeException("bad-line", "empty tag key or value near column " + i);
                }
                tags.put(key, value);
            }
            expect(' ', "no field set after the measurement and tags");
            Map<String, Object> fields = new LinkedHashMap<>();
            boolean anyField = false;
            do {
                String key = token("= ,", true);
                expect('=', "field " + key + " has no '='");
                if (key.isEmpty()) {
                    throw new DecodeException("bad-line", "empty field key near column " + i);
                }
                anyField = true;
                fields.put(key, fieldValue(key));
            } while (i < s.length() && s.charAt(i) == ',' && ++i > 0);
            if (!anyField) {
                throw new DecodeException("bad-line", "no fields");
            }
            long timestamp = receivedAt;
            if (i < s.length()) {
                expect(' ', "unexpected '" + s.charAt(i) + "' at column " + (i + 1));
                String ts = s.substring(i).strip();
                try {
                    timestamp = precision.toMillis(Long.parseLong(ts));
                } catch (NumberFormatException e) {
                    throw new DecodeException("bad-timestamp", "timestamp '" + Timestamps.abbreviate(ts)
                            + "' is not an integer");
                }
            }
            String sensor = tags.remove(sensorTag);
            if (sensor == null) {
                sensor = topic.sensor();
            }
            if (sensor == null) {
                throw new DecodeException("no-sensor", "no tag " + sensorTag + " names the sensor, and the topic "
                        + "has no {sensor}");
            }
            tags.putAll(topic.tags());
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                String metric = field.getKey().equals("value") ? measurement : measurement + "_" + field.getKey();
                out.add(field.getValue() instanceof String text
                        ? Reading.ofState(sensor, metric, text, timestamp, tags, source)
                        : new Reading(sensor, metric, (Double) field.getValue(), timestamp, tags, source));
            }
        }

        /** Reads up to an unescaped stop character; {@code equals} says whether {@code \=} is an escape here. */
        private String token(String stops, boolean equals) {
            StringBuilder out = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    char next = s.charAt(i + 1);
                    if (next == ',' || next == ' ' || (equals && next == '=')) {
                        out.append(next);
                        i += 2;
                        continue;
                    }
                }
                if (stops.indexOf(c) >= 0) {
                    break;
                }
                out.append(c);
                i++;
            }
            return out.toString();
        }

        private void expect(char c, String problem) throws DecodeException {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new DecodeException("bad-line", problem);
            }
            i++;
        }

        /** A field's value: a Double, or the String of a string field (a state reading). */
        private Object fieldValue(String key) throws DecodeException {
            if (i < s.length() && s.charAt(i) == '"') {
                i++;
                StringBuilder text = new StringBuilder();
                while (i < s.length() && s.charAt(i) != '"') {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                        text.append(s.charAt(i + 1));
                        i += 2;
                    } else {
                        text.append(c);
                        i++;
                    }
                }
                if (i >= s.length()) {
                    throw new DecodeException("bad-line", "string field " + key + " is not closed");
                }
                i++;
                return text.toString();
            }
            int from = i;
            while (i < s.length() && s.charAt(i) != ',' && s.charAt(i) != ' ') {
                i++;
            }
            String raw = s.substring(from, i);
            switch (raw) {
                case "t", "T", "true", "True", "TRUE" -> {
                    return 1.0;
                }
                case "f", "F", "false", "False", "FALSE" -> {
                    return 0.0;
                }
                default -> {
                }
            }
            try {
                double value;
                if (raw.endsWith("i") || raw.endsWith("u")) {
                    String digits = raw.substring(0, raw.length() - 1);
                    if (raw.endsWith("u")) {
                        long bits = Long.parseUnsignedLong(digits);
                        // Unsigned: the top bit is a value, not a sign.
                        value = (bits >>> 1) * 2.0 + (bits & 1);
                    } else {
                        value = Long.parseLong(digits);
                    }
                } else {
                    // Line protocol's floats only: Java would also take hex floats, NaN, Infinity and 1d.
                    if (!FLOAT.matcher(raw).matches()) {
                        throw new NumberFormatException();
                    }
                    value = Double.parseDouble(raw);
                }
                if (!Double.isFinite(value)) {
                    throw new DecodeException("non-finite", "field " + key + " is not finite");
                }
                return value;
            } catch (NumberFormatException e) {
                throw new DecodeException("wrong-type", "field " + key + " = '" + Timestamps.abbreviate(raw)
                        + "' is not a number, boolean or string");
            }
        }
    }
}
