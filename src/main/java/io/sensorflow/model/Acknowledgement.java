package io.sensorflow.model;

/** An operator's acknowledgement of one alert episode: it is known, so its repeat notifications stop. */
public record Acknowledgement(String episode, long at, String by, String comment) {

    /**
     * The most acknowledgements one episode keeps. Each is kept, so that who acknowledged, and when, is never lost;
     * the API refuses one more than this, since the first of them already stopped the repeats and anyone may call it.
     */
    public static final int MAX_PER_EPISODE = 100;
}
