package io.sensorflow.source;

import io.sensorflow.codec.DecodeException;
import io.sensorflow.codec.Decoded;
import io.sensorflow.config.Durations;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import io.sensorflow.telemetry.Readiness;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The decode stage: a payload becomes readings, and every part of it that cannot becomes a dead letter with the
 * reason. Never throws, so one bad message cannot fail the stream; the message is still acknowledged once its dead
 * letters are stored. Each rejection is counted per source and reason; the log gets at most one line per source every
 * 10 s, with how many were suppressed, since a broken device can send thousands a second (the metrics and dead letters
 * have them all).
 */
public final class Decoder {

    /** Dead letters of one message at most, beyond which one more says how many were left out. */
    static final int MAX_REJECTIONS = 100;

    private final Metrics metrics;
    private final long maxFutureSkewMillis;
    private final long maxPastSkewMillis;
    private final int maxPayload;
    private final ReadingCheck check;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(Decoder.class));
    private final RejectionWatch watch = new RejectionWatch(System::currentTimeMillis);

    /** @param maxPastSkew zero for no bound */
    public Decoder(Metrics metrics, Duration maxFutureSkew, Duration maxPastSkew, int maxPayload) {
        this(metrics, maxFutureSkew, maxPastSkew, maxPayload, ReadingLimits.LENIENT);
    }

    /** @param maxPastSkew zero for no bound */
    public Decoder(Metrics metrics, Duration maxFutureSkew, Duration maxPastSkew, int maxPayload,
                   ReadingLimits limits) {
        this.metrics = metrics;
        this.check = new ReadingCheck(limits);
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
        this.maxPastSkewMillis = maxPastSkew.isZero() ? Long.MAX_VALUE : maxPastSkew.toMillis();
        this.maxPayload = maxPayload;
    }

    /** The largest payload decoded, for sources that read bodies themselves. */
    public int maxPayload() {
        return maxPayload;
    }

    public Envelope decode(Incoming in) {
        if (in.decoded() != null) {
            return in.decoded();
        }
        Envelope envelope = decodeOnce(in);
        watch.record(in.source(), envelope);
        return envelope;
    }

    /** The sources whose recent messages are mostly rejected, for {@code /health/ready}'s degraded list. */
    public List<Readiness> rejecting() {
        return watch.degraded();
    }

    private Envelope decodeOnce(Incoming in) {
        if (in.payload().length > maxPayload) {
            return failed(in, "payload-too-large", "payload of " + in.payload().length + " bytes is over the limit of "
                    + maxPayload + " (pipeline.max-payload)");
        }
        Decoded decoded;
        try {
            decoded = in.codec().decode(in.payload(), in.source(), in.topic(), in.receivedAt());
        } catch (DecodeException e) {
            return failed(in, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a codec must cost one message, not the stream.
            return failed(in, "decoder-error", e.toString());
        }
        // One dead letter per rejected element, up to a bound: a 1 MiB payload of 200,000 bad lines (or of readings
        // whose clock is off) must not become 200,000 rows. They share one copy of the (cut) payload.
        Rejections bad = new Rejections(in);
        for (Decoded.Rejected rejected : decoded.rejected()) {
            bad.add(rejected.reason(), rejected.where() + ": " + rejected.detail());
        }
        List<Reading> readings = decoded.readings();
        if (!allFine(readings, in.receivedAt())) {
            readings = sorted(readings, in.receivedAt(), bad);
        }
        return new Envelope(readings, bad.letters(), in.ack(), bad.count());
    }

    /**
     * The readings that may go on, each other one a rejection: bad text or too many tags, a timestamp outside the
     * skew window, or a second reading of one series at one instant in the same message. The store keeps one reading
     * per series and timestamp, so that second one (say, 100,000 items without timestamps, all stamped with their
     * arrival) would be merged into the first without a word; it is refused instead, and the sender learns why.
     */
    private List<Reading> sorted(List<Reading> readings, long receivedAt, Rejections bad) {
        List<Reading> good = new ArrayList<>(readings.size());
        Set<ReadingKey> seen = readings.size() > 1 ? new HashSet<>(readings.size() * 2) : null;
        for (int i = 0; i < readings.size(); i++) {
            Reading reading = readings.get(i);
            ReadingCheck.Problem problem = check.check(reading);
            if (problem != null) {
                bad.add(problem.reason(), "reading " + (i + 1) + ": " + problem.detail());
                continue;
            }
            String skewed = skew(reading, receivedAt);
            if (skewed != null) {
                String reason = reading.timestamp() > receivedAt ? "future-timestamp" : "past-timestamp";
                bad.add(reason, "reading of " + reading.sensor() + " " + reading.metric() + ": " + skewed);
                continue;
            }
            if (seen != null && !seen.add(new ReadingKey(reading.sensor(), reading.metric(), reading.timestamp()))) {
                bad.add("duplicate-reading", "reading " + (i + 1) + " of " + ReadingCheck.shown(reading.sensor())
                        + " " + ReadingCheck.shown(reading.metric()) + " has the timestamp " + reading.timestamp()
                        + " of an earlier one in the same message; the store keeps one reading per series and "
                        + "instant (give each reading its own timestamp)");
                continue;
            }
            good.add(reading);
        }
        return good;
    }

    private record ReadingKey(String sensor, String metric, long timestamp) {
    }

    /** The dead letters of one message: every rejection counted, the first {@link #MAX_REJECTIONS} kept. */
    private final class Rejections {
        private final Incoming in;
        private final byte[] payload;
        private List<DeadLetter> letters = List.of();
        private int more;

        Rejections(Incoming in) {
            this.in = in;
            this.payload = DeadLetter.cut(in.payload());
        }

        void add(String reason, String detail) {
            if (letters.size() < MAX_REJECTIONS) {
                letters = Decoder.add(letters, reject(in, reason, detail, payload));
            } else {
                metrics.decodeErrors(in.source(), reason).inc();
                more++;
            }
        }

        int count() {
            return letters.size() + more;
        }

        List<DeadLetter> letters() {
            if (more == 0) {
                return letters;
            }
            List<DeadLetter> all = new ArrayList<>(letters);
            all.add(new DeadLetter(in.source(), in.topic().topic(), "too-many-rejections", more
                    + " more elements were rejected; the first " + MAX_REJECTIONS + " are dead letters of their own, "
                    + "each counted by reason", payload, in.receivedAt()));
            return all;
        }
    }

    /** The common case, checked without allocating: one message, every reading fine. */
    private boolean allFine(List<Reading> readings, long receivedAt) {
        if (readings.size() > 1) {
            return false;
        }
        for (Reading reading : readings) {
            if (skew(reading, receivedAt) != null || check.check(reading) != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * A timestamp far ahead of arrival (a clock that is off, seconds sent as microseconds) would make every later
     * reading of that series look late and pin its latest value; one far behind (a device that lost its clock and
     * counts from 1970) would land outside every window and retention. Both are dead-lettered, the rest kept.
     */
    private String skew(Reading reading, long receivedAt) {
        long ahead = reading.timestamp() - receivedAt;
        if (ahead > maxFutureSkewMillis) {
            return "timestamp " + reading.timestamp() + " is more than "
                    + Durations.format(Duration.ofMillis(maxFutureSkewMillis)) + " ahead of arrival at " + receivedAt
                    + " (pipeline.max-future-skew)";
        }
        if (-ahead > maxPastSkewMillis) {
            return "timestamp " + reading.timestamp() + " is more than "
                    + Durations.format(Duration.ofMillis(maxPastSkewMillis)) + " before arrival at " + receivedAt
                    + " (pipeline.max-past-skew)";
        }
        return null;
    }

    private static List<DeadLetter> add(List<DeadLetter> list, DeadLetter letter) {
        List<DeadLetter> result = list.isEmpty() ? new ArrayList<>(2) : list;
        result.add(letter);
        return result;
    }

    private DeadLetter reject(Incoming in, String reason, String detail, byte[] payload) {
        metrics.decodeErrors(in.source(), reason).inc();
        log.warn(in.source(), "source {}: rejected input on '{}' ({}: {}); kept as a dead letter",
                in.source(), in.topic().topic(), reason, detail);
        return new DeadLetter(in.source(), in.topic().topic(), reason, detail, payload, in.receivedAt());
    }

    private Envelope failed(Incoming in, String reason, String detail) {
        return Envelope.failed(reject(in, reason, detail, DeadLetter.cut(in.payload())), in.ack());
    }
}
