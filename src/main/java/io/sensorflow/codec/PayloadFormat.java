package io.sensorflow.codec;

import java.util.Optional;
import java.util.function.Function;

/**
 * One payload format that a subscription or feed can name with {@code format = ...}, and what it can do. Each codec
 * declares its own (e.g. {@link JsonCodec#FORMAT}); the daemon's component registry lists them.
 *
 * @param naming        where a reading's sensor and metric come from when the topic does not say
 * @param mediaType     the Content-Type under which http-push takes this format, if it does
 * @param queryPrecision whether numeric timestamps are in a unit that an HTTP sender names in {@code ?precision=}, as
 *                      InfluxDB's write API does
 * @param notShareable  why a shared subscription cannot split this format's messages between daemons, if it cannot
 */
public record PayloadFormat(String name, Naming naming, Optional<String> mediaType, boolean queryPrecision,
                            Optional<String> notShareable, Function<PayloadMapping, PayloadCodec> codec) {

    /** Where a format finds the sensor and metric of a reading, besides the topic. */
    public enum Naming {
        /** JSON Pointers into the payload ({@code sensor = "/id"}), when the topic does not name them. */
        POINTERS,
        /** The payload names its own sensors and metrics. */
        PAYLOAD,
        /** Nowhere: the payload is a bare value, so the topic (or a feed's fixed names) must say. */
        TOPIC
    }

    /** A format with no media type, no query precision, that shared subscriptions can split. */
    public static PayloadFormat of(String name, Naming naming, Function<PayloadMapping, PayloadCodec> codec) {
        return new PayloadFormat(name, naming, Optional.empty(), false, Optional.empty(), codec);
    }

    /** This format, taken by http-push under {@code type}. */
    public PayloadFormat takenAs(String type) {
        return new PayloadFormat(name, naming, Optional.of(type), queryPrecision, notShareable, codec);
    }

    /** This format, its timestamps' unit named by an HTTP sender's {@code ?precision=}. */
    public PayloadFormat withQueryPrecision() {
        return new PayloadFormat(name, naming, mediaType, true, notShareable, codec);
    }

    /** This format, which a shared subscription cannot split, for {@code why}. */
    public PayloadFormat notShareable(String why) {
        return new PayloadFormat(name, naming, mediaType, queryPrecision, Optional.of(why), codec);
    }

    /** Whether sensor and metric may come from JSON Pointers into the payload. */
    public boolean namesByPointer() {
        return naming == Naming.POINTERS;
    }

    /** Whether the payload itself names its sensors and metrics, so the topic need not. */
    public boolean namesItself() {
        return naming == Naming.PAYLOAD;
    }

    public PayloadCodec codec(PayloadMapping mapping) {
        return codec.apply(mapping);
    }

    public String label() {
        return name;
    }
}
