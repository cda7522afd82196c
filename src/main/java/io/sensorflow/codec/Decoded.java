package io.sensorflow.codec;

import io.sensorflow.model.Reading;

import java.util.ArrayList;
import java.util.List;

/**
 * What one payload became: its good readings, and each element that could not become one. A batch (an array of
 * readings, SenML records, lines of line protocol) keeps its good elements when some are bad.
 */
public record Decoded(List<Reading> readings, List<Rejected> rejected) {

    /** One element of a payload that was not usable; {@code where} says which, e.g. {@code line 3} or {@code /2}. */
    public record Rejected(String where, String reason, String detail) {
    }

    public static Decoded of(List<Reading> readings) {
        return new Decoded(readings, List.of());
    }

    /** Collects elements one at a time. */
    static final class Builder {
        private final List<Reading> readings;
        private List<Rejected> rejected = List.of();

        Builder(int expected) {
            readings = new ArrayList<>(expected);
        }

        void add(Reading reading) {
            readings.add(reading);
        }

        int size() {
            return readings.size();
        }

        /** Drops readings added after the first {@code size}: an element that fails half-way keeps none. */
        void truncate(int size) {
            readings.subList(size, readings.size()).clear();
        }

        void reject(String where, DecodeException e) {
            if (rejected.isEmpty()) {
                rejected = new ArrayList<>(2);
            }
            rejected.add(new Rejected(where, e.reason(), e.getMessage()));
        }

        Decoded build() {
            return new Decoded(readings, rejected);
        }
    }
}
