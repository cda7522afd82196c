package io.sensorflow.cluster;

/**
 * A message that crosses nodes, written by {@link ClusterSerializer} (bound to this interface in the Pekko settings
 * of {@link ClusterConfig}): Pekko refuses Java serialization, and readings cross in batches at every node's full
 * rate, so their format is a compact one of our own.
 */
interface ClusterMessage {
}
