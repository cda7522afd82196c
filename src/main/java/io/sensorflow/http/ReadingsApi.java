package io.sensorflow.http;

import io.sensorflow.config.Durations;
import io.sensorflow.model.LatestReading;
import io.sensorflow.store.Bucket;
import io.sensorflow.store.Point;
import io.sensorflow.store.SeriesQuery;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * {@code /api/v1/sensors}: every series with its newest reading and tags, and the readings of one series over a
 * range, raw or per step, as JSON or CSV.
 */
final class ReadingsApi extends ApiResource {

    static final String PATH = "sensors";
    static final int DEFAULT_LIMIT = 10_000;
    static final int MAX_LIMIT = 100_000;
    private static final long DEFAULT_RANGE = 3_600_000L;


    ReadingsApi(StoreQueries store) {
        super(PATH, store);
    }

    @Override
    Route routes() {
        return concat(
                pathEnd(() -> get(() -> parameterMultiMap(this::sensors))),
                path(segment().slash(segment()).slash("readings"), (sensor, metric) ->
                        get(() -> parameterMap(params -> readings(sensor, metric, params)))));
    }

    /** {@code GET /api/v1/sensors[?tag=room=lab][&tag=...][&format=csv]}: series whose tags match all given. */
    private Route sensors(Map<String, List<String>> params) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (String tag : params.getOrDefault("tag", List.of())) {
            int eq = tag.indexOf('=');
            if (eq <= 0) {
                return complete(Responses.error(StatusCodes.BAD_REQUEST,
                        "tag must be name=value, like tag=room=lab, got '" + tag + "'"));
            }
            wanted.put(tag.substring(0, eq), tag.substring(eq + 1));
        }
        String format;
        try {
            format = format(first(params, "format"));
        } catch (IllegalArgumentException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, e.getMessage()));
        }
        return onStore(store -> store.latest(), latest -> {
            List<LatestReading> matching = latest.stream()
                    .filter(l -> wanted.entrySet().stream()
                            .allMatch(w -> w.getValue().equals(l.tags().get(w.getKey()))))
                    .toList();
            return complete(format.equals("csv") ? sensorsCsv(matching) : Responses.json(StatusCodes.OK, matching));
        });
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static HttpResponse sensorsCsv(List<LatestReading> latest) {
        TreeSet<String> tagNames = new TreeSet<>();
        latest.forEach(l -> tagNames.addAll(l.tags().keySet()));
        List<String> header = new ArrayList<>(List.of("sensor", "metric", "value", "timestamp"));
        header.addAll(tagNames);
        List<String[]> rows = new ArrayList<>(latest.size());
        for (LatestReading l : latest) {
            List<String> row = new ArrayList<>(header.size());
            row.addAll(List.of(l.sensor(), l.metric(), l.state() != null ? l.state() : number(l.value()),
                    Instant.ofEpochMilli(l.timestamp()).toString()));
            tagNames.forEach(name -> row.add(l.tags().getOrDefault(name, "")));
            rows.add(row.toArray(String[]::new));
        }
        return Responses.csv(header, rows);
    }

    /**
     * {@code GET /api/v1/sensors/{sensor}/{metric}/readings?from&to&step&agg&limit&format}: raw readings without
     * {@code step}, else one bucket per step with the aggregates in {@code agg} (default avg).
     */
    private Route readings(String sensor, String metric, Map<String, String> params) {
        SeriesQuery.Request request;
        List<Bucket.Aggregate> aggregates;
        String format;
        try {
            long to = params.containsKey("to") ? Params.instant(params.get("to"), "to")
                    : System.currentTimeMillis() + 1;
            long from = params.containsKey("from") ? Params.instant(params.get("from"), "from") : to - DEFAULT_RANGE;
            if (from >= to) {
                throw new IllegalArgumentException("from must be before to");
            }
            long step = 0;
            if (params.containsKey("step")) {
                step = step(params.get("step"));
            }
            aggregates = aggregates(params.get("agg"), step);
            int limit = limit(params.get("limit"));
            format = format(params.get("format"));
            request = new SeriesQuery.Request(sensor, metric, from, to, step, limit);
        } catch (IllegalArgumentException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, e.getMessage()));
        }
        return onStore(store -> {
            SeriesQuery.Result result;
            try {
                result = SeriesQuery.run(store, request);
            } catch (IllegalArgumentException e) {
                return Responses.error(StatusCodes.BAD_REQUEST, e.getMessage());
            }
            if (request.step() == 0 && result.points().isEmpty()) {
                // A series of state readings (text) answers with its states.
                List<io.sensorflow.store.StatePoint> states = store.states(sensor, metric, request.from(), request.to(),
                        request.limit() + 1);
                if (!states.isEmpty()) {
                    return states(request, states, format);
                }
            }
            if (result.points().isEmpty() && result.buckets().isEmpty() && !store.hasSeries(sensor, metric)) {
                return Responses.error(StatusCodes.NOT_FOUND, "no readings of metric '" + metric + "' of sensor '"
                        + sensor + "' were ever stored; GET /api/v1/sensors lists what there is");
            }
            return format.equals("csv") ? readingsCsv(request, result, aggregates)
                    : readingsJson(request, result, aggregates);
        }, this::complete);
    }

    private static HttpResponse states(SeriesQuery.Request request, List<io.sensorflow.store.StatePoint> found,
                                      String format) {
        boolean truncated = found.size() > request.limit();
        List<io.sensorflow.store.StatePoint> states = truncated ? found.subList(0, request.limit()) : found;
        if (format.equals("csv")) {
            return Responses.csv(List.of("sensor", "metric", "state", "timestamp"), states.stream()
                    .map(s -> new String[] {request.sensor(), request.metric(), s.state(),
                            Instant.ofEpochMilli(s.timestamp()).toString()})
                    .toList());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sensor", request.sensor());
        body.put("metric", request.metric());
        body.put("from", request.from());
        body.put("to", request.to());
        body.put("step", null);
        body.put("source", "states");
        body.put("truncated", truncated);
        List<Map<String, Object>> points = new ArrayList<>(states.size());
        for (io.sensorflow.store.StatePoint s : states) {
            points.add(Map.of("t", s.timestamp(), "state", s.state()));
        }
        body.put("points", points);
        return Responses.json(StatusCodes.OK, body);
    }

    /** A chart's answer: written point by point, as it is the dashboard's most frequent and largest query. */
    private static HttpResponse readingsJson(SeriesQuery.Request request, SeriesQuery.Result result,
                                             List<Bucket.Aggregate> aggregates) {
        return Responses.json(StatusCodes.OK, json -> {
            json.writeStartObject();
            json.writeStringField("sensor", request.sensor());
            json.writeStringField("metric", request.metric());
            json.writeNumberField("from", request.from());
            json.writeNumberField("to", request.to());
            if (request.step() == 0) {
                json.writeNullField("step");
            } else {
                json.writeStringField("step", Durations.compact(request.step()));
            }
            json.writeStringField("source", result.source());
            if (request.step() == 0) {
                json.writeBooleanField("truncated", result.truncated());
            }
            json.writeArrayFieldStart("points");
            if (request.step() == 0) {
                for (Point p : result.points()) {
                    json.writeStartObject();
                    json.writeNumberField("t", p.timestamp());
                    json.writeNumberField("value", p.value());
                    json.writeEndObject();
                }
            } else {
                String[] names = new String[aggregates.size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = aggregates.get(i).name().toLowerCase(Locale.ROOT);
                }
                for (Bucket b : result.buckets()) {
                    json.writeStartObject();
                    json.writeNumberField("t", b.start());
                    for (int i = 0; i < names.length; i++) {
                        Bucket.Aggregate aggregate = aggregates.get(i);
                        if (aggregate == Bucket.Aggregate.COUNT) {
                            json.writeNumberField(names[i], b.count());
                        } else {
                            json.writeNumberField(names[i], b.get(aggregate));
                        }
                    }
                    json.writeEndObject();
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static HttpResponse readingsCsv(SeriesQuery.Request request, SeriesQuery.Result result,
                                            List<Bucket.Aggregate> aggregates) {
        if (request.step() == 0) {
            // The shape `sensorflow import` and `replay` read.
            return Responses.csv(List.of("sensor", "metric", "value", "timestamp"), result.points().stream()
                    .map(p -> new String[] {request.sensor(), request.metric(), number(p.value()),
                            Instant.ofEpochMilli(p.timestamp()).toString()})
                    .toList());
        }
        List<String> header = new ArrayList<>(List.of("timestamp"));
        aggregates.forEach(a -> header.add(a.name().toLowerCase(Locale.ROOT)));
        List<String[]> rows = new ArrayList<>(result.buckets().size());
        for (Bucket b : result.buckets()) {
            String[] row = new String[aggregates.size() + 1];
            row[0] = Instant.ofEpochMilli(b.start()).toString();
            for (int i = 0; i < aggregates.size(); i++) {
                Bucket.Aggregate aggregate = aggregates.get(i);
                row[i + 1] = aggregate == Bucket.Aggregate.COUNT ? Long.toString(b.count()) : number(b.get(aggregate));
            }
            rows.add(row);
        }
        return Responses.csv(header, rows);
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    static long step(String text) {
        long step;
        try {
            step = Durations.parse(text).toMillis();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("step must be a duration like 30s, 1m, 15m or 1h, got '" + text + "'");
        }
        if (step < 1000) {
            throw new IllegalArgumentException("step must be at least 1s, got '" + text + "'");
        }
        return step;
    }

    static List<Bucket.Aggregate> aggregates(String text, long step) {
        if (text == null) {
            return List.of(Bucket.Aggregate.AVG);
        }
        if (step == 0) {
            throw new IllegalArgumentException("agg needs a step: raw readings are not aggregated");
        }
        List<Bucket.Aggregate> result = new ArrayList<>();
        for (String name : text.split(",")) {
            try {
                result.add(Bucket.Aggregate.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("agg must be a comma-separated list of avg, min, max, sum, count "
                        + "and last, got '" + name.trim() + "'");
            }
        }
        return result;
    }

    static int limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT + ", got '" + text
                + "'");
    }

    static String format(String text) {
        if (text == null || text.equals("json")) {
            return "json";
        }
        if (text.equals("csv")) {
            return "csv";
        }
        throw new IllegalArgumentException("format must be json or csv, got '" + text + "'");
    }
}
