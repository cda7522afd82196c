package io.sensorflow.source;

import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A running feed of raw messages. Connection handling (reconnect with backoff) is the source's own business; the
 * pipeline only sees a stream that may pause.
 */
public interface SensorSource {

    String name();

    /** The messages; materialized exactly once by the pipeline. Connecting starts when it is materialized. */
    Source<Incoming, NotUsed> incoming();

    /** Whether the source is connected to what it reads from. */
    Readiness readiness();

    /**
     * Before a graceful stop, while intake still runs: stop taking a share of new messages that others sharing the
     * feed can take (an MQTT shared subscription), and take in what was sent for this source already. Completes
     * within {@code atMost}. By default there is nothing to hand over.
     */
    default CompletionStage<Done> handOver(java.time.Duration atMost) {
        return CompletableFuture.completedFuture(Done.getInstance());
    }

    /** Ends the stream of messages; what was already emitted drains and is acknowledged before {@link #stop()}. */
    void stopIntake();

    /**
     * Releases connections after the pipeline has drained. By default there are none: it only makes sure intake has
     * stopped.
     */
    default CompletionStage<Done> stop() {
        stopIntake();
        return CompletableFuture.completedFuture(Done.getInstance());
    }

    /**
     * What this source offers other components, found by the interface they need: the connection that mqtt actions
     * publish through ({@code MqttPublisher}), the route http-push serves ({@link HttpIngest}). By default, the
     * interfaces the source implements.
     */
    default <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }
}
