package io.sensorflow.store;

/** One raw stored reading of a series. */
public record Point(long timestamp, double value) {
}
