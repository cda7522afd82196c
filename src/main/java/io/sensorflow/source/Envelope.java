package io.sensorflow.source;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;

import java.util.List;

/**
 * What one message became after decoding: its readings, or the dead letter that explains why it has none, and the
 * acknowledgement to give once both are stored.
 */
public record Envelope(List<Reading> readings, List<DeadLetter> deadLetters, Acknowledgement ack, int rejections) {

    /**
     * @param rejections how many elements were rejected: the dead letters, or more when there were too many to keep
     *                   each one
     */
    public Envelope(List<Reading> readings, List<DeadLetter> deadLetters, Acknowledgement ack) {
        this(readings, deadLetters, ack, deadLetters.size());
    }

    public static Envelope of(List<Reading> readings, Acknowledgement ack) {
        return new Envelope(readings, List.of(), ack);
    }

    public static Envelope failed(DeadLetter deadLetter, Acknowledgement ack) {
        return new Envelope(List.of(), List.of(deadLetter), ack);
    }
}
