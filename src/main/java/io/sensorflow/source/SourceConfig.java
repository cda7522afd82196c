package io.sensorflow.source;

/** The validated configuration of one source; each type knows how to start its source. */
public interface SourceConfig {

    String name();

    SensorSource create(SourceContext context);
}
