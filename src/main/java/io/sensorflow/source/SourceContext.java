package io.sensorflow.source;

import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.actor.ActorSystem;

import java.time.Clock;

/**
 * What every source gets from the daemon.
 *
 * @param decoder the pipeline's decode stage, for a source that must know what a message became before the commit
 *                (http-push answers which elements it rejected)
 */
public record SourceContext(ActorSystem system, Clock clock, Metrics metrics, Decoder decoder) {
}
