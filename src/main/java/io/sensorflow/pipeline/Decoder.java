package io.sensorflow.pipeline;

import io.sensorflow.codec.DecodeException;
import io.sensorflow.config.Durations;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The decode stage: a payload becomes readings, or a dead letter with the reason. Never throws, so one bad message
 * cannot fail the stream; the message is still acknowledged once its dead letter is stored.
 */
final class Decoder {

    private final Metrics metrics;
    private final long maxFutureSkewMillis;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(Decoder.class));

    Decoder(Metrics metrics, java.time.Duration maxFutureSkew) {
        this.metrics = metrics;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    }

    Envelope decode(Incoming in) {
        try {
            List<Reading> readings = in.codec().decode(in.payload(), in.source(), in.topic(), in.receivedAt());
            for (Reading reading : readings) {
                if (reading.timestamp() > in.receivedAt() + maxFutureSkewMillis) {
                    return futureTimestamps(in, readings);
                }
            }
            return Envelope.of(readings, in.ack());
        } catch (DecodeException e) {
            return failed(in, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a codec must cost one message, not the stream.
            return failed(in, "decoder-error", e.toString());
        }
    }

    /**
     * A timestamp far ahead of arrival (a clock that is off, seconds sent as microseconds) would make every later
     * reading of that series look late and pin its latest value; such readings are dead-lettered, the rest kept.
     */
    private Envelope futureTimestamps(Incoming in, List<Reading> readings) {
        List<Reading> good = new ArrayList<>(readings.size());
        List<DeadLetter> bad = new ArrayList<>(1);
        for (Reading reading : readings) {
            if (reading.timestamp() > in.receivedAt() + maxFutureSkewMillis) {
                metrics.decodeErrors(in.source(), "future-timestamp").inc();
                log.warn(in.source() + "/future-timestamp", "source {}: reading of {} {} has timestamp {}, more than {} "
                        + "ahead of arrival; kept as a dead letter", in.source(), reading.sensor(), reading.metric(),
                        reading.timestamp(), Durations.format(java.time.Duration.ofMillis(maxFutureSkewMillis)));
                bad.add(new DeadLetter(in.source(), in.topic().topic(), "future-timestamp", "timestamp "
                        + reading.timestamp() + " is more than " + maxFutureSkewMillis + " ms ahead of arrival at "
                        + in.receivedAt(), in.payload(), in.receivedAt()));
            } else {
                good.add(reading);
            }
        }
        return new Envelope(good, bad, in.ack());
    }

    private Envelope failed(Incoming in, String reason, String detail) {
        metrics.decodeErrors(in.source(), reason).inc();
        log.warn(in.source() + '/' + reason, "source {}: dropped a payload on topic '{}' ({}: {}); kept as a dead letter",
                in.source(), in.topic().topic(), reason, detail);
        return Envelope.failed(new DeadLetter(in.source(), in.topic().topic(), reason, detail, in.payload(),
                in.receivedAt()), in.ack());
    }
}
