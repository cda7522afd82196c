package io.sensorflow.model;

/** An operator's acknowledgement of one alert episode: it is known, so its repeat notifications stop. */
public record Acknowledgement(String episode, long at, String by, String comment) {
}
