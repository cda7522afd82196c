package io.sensorflow.store;

import io.sensorflow.model.DeadLetter;

/** A dead letter as stored, with the id that orders them (newest is highest) and pages through them. */
public record StoredDeadLetter(long id, DeadLetter letter) {
}
