package io.sensorflow.source;

import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.actor.ActorSystem;

import java.time.Clock;

/** What every source gets from the daemon. */
public record SourceContext(ActorSystem system, Clock clock, Metrics metrics) {
}
