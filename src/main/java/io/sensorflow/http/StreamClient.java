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

    /** What one send takes: the newest reading of each series that changed, and the transitions in order. */
    record Batch(List<Reading> readings, List<AlertEvent> alerts) {

        boolean isEmpty() {
            return readings.isEmpty() && alerts.isEmpty();
        }
    }

    private final Filter filter;
    private final int maxSeries;
    private final int maxAlerts;
    private final CounterDataPoint conflated;
    private final CounterDataPoint capped;
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
        long replaced = 0;
        long beyondCap = 0;
        // One lock per commit, not per reading: the pipeline's thread calls this for every client.
        synchronized (this) {
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

    /**
     * What is waiting, for one send: the transitions always, the readings only with {@code readingsToo} (they go out
     * once per interval, transitions at once); what is taken starts empty again.
     */
    synchronized Batch take(boolean readingsToo) {
        lastTaken = System.nanoTime();
        boolean withReadings = readingsToo && !pending.isEmpty();
        if (!withReadings && alerts.isEmpty()) {
            return new Batch(List.of(), List.of());
        }
        List<Reading> readings = withReadings ? List.copyOf(pending.values()) : List.of();
        if (withReadings) {
            pending = new LinkedHashMap<>();
        }
        Batch batch = new Batch(readings, alerts.isEmpty() ? List.of() : alerts);
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
