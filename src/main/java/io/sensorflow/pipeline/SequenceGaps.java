package io.sensorflow.pipeline;

import io.sensorflow.model.Reading;
import io.sensorflow.source.Envelope;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code pipeline.sequence-tag}: senders that number their messages per sensor (1, 2, 3, ...) let the daemon see
 * what never reached it. A broker drops messages without a word (a queue past its limit, a session it did not keep,
 * QoS 0 under load); the numbers show it. Per source and sensor, a number more than one above the latest is a gap of
 * the numbers in between; one not above it is a repeat (redelivered after a reconnect, or out of order), which moves
 * nothing; 0 or 1 below the latest is the sender starting again. The tag is taken off the reading, so the store's
 * series keep their tags. Used only by the stage that evaluates rules, one thread; the per-sensor view is read by
 * scrapes and the API.
 */
final class SequenceGaps {

    /** Sensors per source whose gaps are shown one by one; the source's totals count every one. */
    static final int SHOWN_SENSORS = 100;

    private record Key(String source, String sensor) {
    }

    private final String tag;
    private final Metrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(SequenceGaps.class));
    /** The latest number of each (source, sensor), the least recently seen forgotten past the limit. */
    private final Map<Key, long[]> latest;
    private final Map<String, Map<String, Metrics.SensorGaps>> shown = new ConcurrentHashMap<>();
    private final Map<String, Boolean> sourcesSeen = new HashMap<>();

    /** @param maxSensors the most (source, sensor) pairs remembered, e.g. {@code pipeline.limits.max-series} */
    SequenceGaps(String tag, int maxSensors, Metrics metrics) {
        this.tag = tag;
        this.metrics = metrics;
        this.latest = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, long[]> eldest) {
                return size() > maxSensors;
            }
        };
        metrics.sequenceSensors(this::shown);
    }

    /** The envelope with the tag taken off its readings, each number checked against its sensor's latest. */
    Envelope track(Envelope envelope) {
        List<Reading> readings = envelope.readings();
        List<Reading> out = null;
        for (int i = 0; i < readings.size(); i++) {
            Reading reading = readings.get(i);
            String number = reading.tags().get(tag);
            if (number == null) {
                if (out != null) {
                    out.add(reading);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(readings.size());
                out.addAll(readings.subList(0, i));
            }
            observe(reading, number);
            Map<String, String> tags = new HashMap<>(reading.tags());
            tags.remove(tag);
            out.add(new Reading(reading.sensor(), reading.metric(), reading.value(), reading.timestamp(), tags,
                    reading.source(), reading.unit(), reading.state()));
        }
        return out == null ? envelope : new Envelope(out, envelope.deadLetters(), envelope.ack(),
                envelope.rejections());
    }

    private void observe(Reading reading, String number) {
        String source = reading.source();
        if (sourcesSeen.putIfAbsent(source, Boolean.TRUE) == null) {
            // Zeros from the first numbered reading on, so that a source that is checked and has no gap says so.
            for (String kind : List.of("gap", "repeat", "restart", "unreadable")) {
                metrics.sequence(source, kind);
            }
            metrics.sequenceMissing(source);
        }
        long seq;
        try {
            seq = Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            metrics.sequence(source, "unreadable").inc();
            log.warn("unreadable-" + source, "source {}: the {} tag of sensor {} is {}, not a whole number; the "
                    + "reading is kept, its sequence not checked", source, tag, reading.sensor(), number);
            return;
        }
        long[] last = latest.get(new Key(source, reading.sensor()));
        if (last == null) {
            latest.put(new Key(source, reading.sensor()), new long[] {seq});
            return;
        }
        if (seq == last[0] + 1) {
            last[0] = seq;
        } else if (seq > last[0]) {
            long missing = seq - last[0] - 1;
            gap(reading, missing, last[0], seq);
            last[0] = seq;
        } else if (seq < last[0] && seq <= 1) {
            metrics.sequence(source, "restart").inc();
            last[0] = seq;
        } else if (seq < last[0]) {
            metrics.sequence(source, "repeat").inc();
        }
        // Equal: another reading of the same message (one number per message, several metrics), not a repeat.
    }

    private void gap(Reading reading, long missing, long before, long after) {
        String source = reading.source();
        metrics.sequence(source, "gap").inc();
        metrics.sequenceMissing(source).inc(missing);
        Map<String, Metrics.SensorGaps> sensors = shown.computeIfAbsent(source, s -> new ConcurrentHashMap<>());
        Metrics.SensorGaps was = sensors.get(reading.sensor());
        if (was != null || sensors.size() < SHOWN_SENSORS) {
            sensors.put(reading.sensor(), new Metrics.SensorGaps(reading.sensor(), was == null ? 1 : was.gaps() + 1,
                    (was == null ? 0 : was.missing()) + missing, reading.timestamp()));
        }
        log.warn("gap-" + source, "source {}: sensor {} jumped from sequence {} to {}: {} messages never arrived "
                + "(lost upstream of the daemon)", source, reading.sensor(), before, after, missing);
    }

    /** Per source, the sensors shown one by one, most missing first. */
    Map<String, List<Metrics.SensorGaps>> shown() {
        Map<String, List<Metrics.SensorGaps>> result = new HashMap<>();
        shown.forEach((source, sensors) -> {
            List<Metrics.SensorGaps> list = new ArrayList<>(sensors.values());
            list.sort(Comparator.comparingLong(Metrics.SensorGaps::missing).reversed()
                    .thenComparing(Metrics.SensorGaps::sensor));
            result.put(source, list);
        });
        return result;
    }
}
