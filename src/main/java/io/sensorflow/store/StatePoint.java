package io.sensorflow.store;

/** One stored state reading: event time and its text. */
public record StatePoint(long timestamp, String state) {
}
