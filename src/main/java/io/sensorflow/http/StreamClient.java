package io.sensorflow.http;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.rule.Glob;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One live stream client's buffer between the pipeline and its connection. The pipeline only puts into it (newest
 * reading per series, transitions in order), the connection takes everything at each send. Both sides are bounded:
 * readings conflate per series up to {@code maxSeries}, and transitions, which must not be skipped, up to
 * {@code maxAlerts}, past which the client is marked {@link #behind} and disconnected; it resumes from the store.
 */
final class StreamClient implements LiveFeed.Listener {

    private static final Batch EMPTY = new Batch(Map.of(), false, List.of());

    /**
     * Which readings and transitions a client asked for; an absent glob matches everything. {@code sensor} may be
     * given several times (a dashboard page asks for the sensors it shows): any of them matches.
     */
    record Filter(List<Glob> sensors, Glob metric, Glob rule, Map<String, String> tags, boolean readings,
                  boolean alerts) {

        static final Glob ANY = Glob.of("*");
        static final int MAX_SENSOR_GLOBS = 500;

        static Filter parse(Map<String, List<String>> params) {
            Map<String, String> tags = new LinkedHashMap<>();
            for (String tag : params.getOrDefault("tag", List.of())) {
                int eq = tag.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("tag must be name=value, like tag=room=lab, got '" + tag + "'");
                }
                tags.put(tag.substring(0, eq), tag.substring(eq + 1));
            }
            String events = one(params, "events", "readings,alerts");
            boolean readings = false;
            boolean alerts = false;
            for (String event : events.split(",")) {
                switch (event.trim()) {
                    case "readings" -> readings = true;
                    case "alerts" -> alerts = true;
                    default -> throw new IllegalArgumentException("events must be readings, alerts or both "
                            + "(readings,alerts), got '" + events + "'");
                }
            }
            List<String> sensors = params.getOrDefault("sensor", List.of());
            if (sensors.size() > MAX_SENSOR_GLOBS) {
                throw new IllegalArgumentException("sensor may be given at most " + MAX_SENSOR_GLOBS + " times, got "
                        + sensors.size());
            }
            List<Glob> globs = sensors.isEmpty() || sensors.contains("*") ? List.of(ANY)
                    : sensors.stream().map(Glob::of).toList();
            return new Filter(globs, glob(params, "metric"), glob(params, "rule"), Map.copyOf(tags), readings,
                    alerts);
        }

        private static Glob glob(Map<String, List<String>> params, String key) {
            String glob = one(params, key, "*");
            // One shared instance for "everything", so that matching it costs no regex on the pipeline's thread.
            return glob.equals("*") ? ANY : Glob.of(glob);
        }

        private static boolean matches(Glob glob, String name) {
            return glob == ANY || glob.matches(name);
        }

        private boolean sensorMatches(String name) {
            for (Glob glob : sensors) {
                if (matches(glob, name)) {
                    return true;
                }
            }
            return false;
        }

        private static String one(Map<String, List<String>> params, String key, String absent) {
            List<String> values = params.get(key);
            if (values == null || values.isEmpty()) {
                return absent;
            }
            if (values.size() > 1) {
                throw new IllegalArgumentException(key + " may be given once, got " + values.size());
            }
            return values.get(0);
        }

        /** Whether every reading passes, so that a client may take the feed's intervals as they are. */
        boolean takesEverything() {
            return readings && sensors.size() == 1 && sensors.get(0) == ANY && metric == ANY && tags.isEmpty();
        }

        boolean matches(Reading reading) {
            return readings && sensorMatches(reading.sensor()) && matches(metric, reading.metric())
                    && tagsMatch(reading.tags());
        }

        boolean matches(AlertEvent event) {
            // Alerts about a group have no sensor (or no metric): only a filter that takes every sensor sees them.
            return alerts && matches(rule, event.rule()) && sensorMatches(event.sensor())
                    && matches(metric, event.metric()) && tagsMatch(event.tags());
        }

        private boolean tagsMatch(Map<String, String> have) {
            if (tags.isEmpty()) {
                return true;
            }
            for (Map.Entry<String, String> tag : tags.entrySet()) {
                if (!tag.getValue().equals(have.get(tag.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * What one send takes: the newest reading of each series that changed, and the transitions in order. When
     * {@code shared} is set, {@code readings} is the feed's own map of one interval, the same object for every client
     * that takes everything, so its event can be rendered once for all of them.
     */
    record Batch(Map<LiveFeed.Series, Reading> readings, boolean shared, List<AlertEvent> alerts) {

        boolean isEmpty() {
            return readings.isEmpty() && alerts.isEmpty();
        }
    }

    private final Filter filter;
    private final int maxSeries;
    private final CounterDataPoint conflated;
    private final CounterDataPoint capped;
    private final int maxAlerts;
    /** An interval kept as the feed gave it: set only while nothing else is pending and the filter takes all. */
    private Map<LiveFeed.Series, Reading> shared;
    private LinkedHashMap<LiveFeed.Series, Reading> pending = new LinkedHashMap<>();
    private List<AlertEvent> alerts = new ArrayList<>();
    private boolean behind;
    private volatile long lastTaken = System.nanoTime();

    StreamClient(Filter filter, int maxSeries, int maxAlerts, CounterDataPoint conflated, CounterDataPoint capped) {
        this.filter = filter;
        this.maxSeries = maxSeries;
        this.maxAlerts = maxAlerts;
        this.conflated = conflated;
        this.capped = capped;
    }

    @Override
    public void readings(Map<LiveFeed.Series, Reading> newest) {
        if (!filter.readings()) {
            return;
        }
        synchronized (this) {
            if (shared == null && pending.isEmpty() && filter.takesEverything() && newest.size() <= maxSeries) {
                shared = newest;
                return;
            }
            if (shared != null) {
                // A second interval before the client took the first: from here on this client conflates its own.
                Map<LiveFeed.Series, Reading> first = shared;
                shared = null;
                merge(first);
            }
            merge(newest);
        }
    }

    private void merge(Map<LiveFeed.Series, Reading> newest) {
        long replaced = 0;
        long beyondCap = 0;
        for (Map.Entry<LiveFeed.Series, Reading> entry : newest.entrySet()) {
            Reading reading = entry.getValue();
            if (!filter.matches(reading)) {
                continue;
            }
            Reading before = pending.get(entry.getKey());
            if (before != null) {
                // Out-of-order readings must not move a live value backwards.
                if (reading.timestamp() >= before.timestamp()) {
                    pending.put(entry.getKey(), reading);
                }
                replaced++;
            } else if (pending.size() < maxSeries) {
                pending.put(entry.getKey(), reading);
            } else {
                beyondCap++;
            }
        }
        if (replaced > 0) {
            conflated.inc(replaced);
        }
        if (beyondCap > 0) {
            capped.inc(beyondCap);
        }
    }

    @Override
    public void transitions(List<AlertEvent> events) {
        if (!filter.alerts()) {
            return;
        }
        for (AlertEvent event : events) {
            if (!filter.matches(event)) {
                continue;
            }
            synchronized (this) {
                if (alerts.size() >= maxAlerts) {
                    behind = true;
                    return;
                }
                alerts.add(event);
            }
        }
    }

    /** What is waiting, for one send; what is taken starts empty again. */
    synchronized Batch take() {
        lastTaken = System.nanoTime();
        if (shared == null && pending.isEmpty() && alerts.isEmpty()) {
            return EMPTY;
        }
        Batch batch;
        if (shared != null) {
            batch = new Batch(shared, true, alerts.isEmpty() ? List.of() : alerts);
            shared = null;
        } else {
            batch = new Batch(pending.isEmpty() ? Map.of() : pending, false, alerts.isEmpty() ? List.of() : alerts);
            if (!pending.isEmpty()) {
                pending = new LinkedHashMap<>();
            }
        }
        if (!alerts.isEmpty()) {
            alerts = new ArrayList<>();
        }
        return batch;
    }

    /** More transitions came than the client may hold: it must reconnect and resume from the store. */
    synchronized boolean behind() {
        return behind;
    }

    /** Nanoseconds since the connection last took a send. */
    long idleNanos() {
        return System.nanoTime() - lastTaken;
    }

    Filter filter() {
        return filter;
    }
}
