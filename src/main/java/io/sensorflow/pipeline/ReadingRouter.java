package io.sensorflow.pipeline;

import io.sensorflow.model.Reading;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where decoded readings go when this node does not evaluate them all itself: in a cluster, to the owners of their
 * sensors' shards. The pipeline acknowledges a message only once the route has completed for all its readings.
 */
public interface ReadingRouter {

    /**
     * Hands the readings to their owners; completes once every owner has committed its part, with the readings the
     * store refused (each kept as a dead letter by its owner). Retries until then; fails only when stopped.
     */
    CompletionStage<List<Reading>> route(List<Reading> readings);

    /** Stops retrying: what was not committed stays unacknowledged and is delivered again. */
    void stopRetrying();
}
