package io.sensorflow.pipeline;

import io.sensorflow.codec.DecodeException;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The decode stage: a payload becomes readings, or a dead letter with the reason. Never throws, so one bad message
 * cannot fail the stream; the message is still acknowledged once its dead letter is stored.
 */
final class Decoder {

    private final Metrics metrics;
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(Decoder.class));

    Decoder(Metrics metrics) {
        this.metrics = metrics;
    }

    Envelope decode(Incoming in) {
        try {
            List<Reading> readings = in.codec().decode(in.payload(), in.source(), in.topic(), in.receivedAt());
            return Envelope.of(readings, in.ack());
        } catch (DecodeException e) {
            return failed(in, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a codec must cost one message, not the stream.
            return failed(in, "decoder-error", e.toString());
        }
    }

    private Envelope failed(Incoming in, String reason, String detail) {
        metrics.decodeErrors(in.source(), reason).inc();
        log.warn(in.source() + '/' + reason, "source {}: dropped a payload on topic '{}' ({}: {}); kept as a dead letter",
                in.source(), in.topic().topic(), reason, detail);
        return Envelope.failed(new DeadLetter(in.source(), in.topic().topic(), reason, detail, in.payload(),
                in.receivedAt()), in.ack());
    }
}
