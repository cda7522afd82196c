package io.sensorflow.source;

import io.sensorflow.config.Section;

/**
 * The bounds on what outside input can make a reading carry, and on how many series it can create. Checked before
 * the rules and the store, so that SQLite and PostgreSQL are never asked to take what one of them would refuse, and
 * so that a device sending garbage names cannot grow the daemon's memory without end.
 *
 * @param maxNameLength  longest sensor, metric, tag name or unit, in characters
 * @param maxTags        most tags on one reading
 * @param maxTextLength  longest tag value or state text, in characters
 * @param maxSeries      most series (sensor and metric) the daemon keeps; a reading that would make one more is
 *                       dead-lettered as {@code too-many-series}
 */
public record ReadingLimits(int maxNameLength, int maxTags, int maxTextLength, int maxSeries) {

    /** No bound worth the name: for tools that replay what a daemon already took. */
    public static final ReadingLimits LENIENT = new ReadingLimits(100_000, 10_000, 1_000_000, Integer.MAX_VALUE);

    public static ReadingLimits parse(Section s) {
        return new ReadingLimits(s.integer("max-name-length", 1, 100_000), s.integer("max-tags", 0, 10_000),
                s.integer("max-text-length", 1, 1_000_000), s.integer("max-series", 1, Integer.MAX_VALUE));
    }
}
