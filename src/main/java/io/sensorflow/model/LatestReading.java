package io.sensorflow.model;

/** The newest known value (by event time) of one sensor's metric. */
public record LatestReading(String sensor, String metric, double value, long timestamp) {
}
