package io.sensorflow.source;

import org.apache.pekko.http.javadsl.server.Route;

/** What a source that takes readings over the daemon's HTTP port offers the API: its route under {@code /api/v1/}. */
public interface HttpIngest {

    /** The path under {@code /api/v1/}, e.g. {@code ingest} or {@code ingest/lab}. */
    String path();

    Route route();
}
