package io.sensorflow.rule;

/** One sensor's metric: what the match cache and the newest stored readings are keyed by. */
record SeriesKey(String sensor, String metric) {
}
