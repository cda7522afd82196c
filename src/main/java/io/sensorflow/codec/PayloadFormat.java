package io.sensorflow.codec;

/** The payload formats a subscription or feed can name with {@code format = ...}: the one list of codecs. */
public enum PayloadFormat {
    /** A JSON object, or an array of them ({@code items}); fields are found by JSON Pointer. */
    JSON(true),
    /** sensorflow's own reading shape, one object or an array: {@code {"sensor", "metric", "value", "timestamp", "tags"}}. */
    CANONICAL(false),
    /** SenML JSON (RFC 8428): a pack of records with base name, time, unit and value. */
    SENML(false),
    /** SenML CBOR (RFC 8428 section 6): the same records with integer labels. */
    SENML_CBOR(false),
    /** InfluxDB line protocol: measurement, tags, numeric fields (each a reading) and a timestamp per line. */
    INFLUX(false),
    /** Sparkplug B: protobuf payloads on spBv1.0 topics, with birth and death certificates and metric aliases. */
    SPARKPLUG(false),
    /** A bare number as text, e.g. {@code 21.5}. */
    NUMBER(false),
    /** A bare on/off state as text: true/false, on/off, yes/no, open/closed, 1/0; stored as 1 or 0. */
    BOOLEAN(false),
    /** A bare text such as {@code open} or {@code auto}: a state reading, matched by rules with {@code state}. */
    STRING(false);

    private final boolean pointers;

    PayloadFormat(boolean pointers) {
        this.pointers = pointers;
    }

    /** Whether sensor and metric may come from JSON Pointers into the payload. */
    public boolean namesByPointer() {
        return pointers;
    }

    /** Whether the payload itself names its sensors and metrics, so the topic need not. */
    public boolean namesItself() {
        return this == CANONICAL || this == SPARKPLUG || this == SENML || this == SENML_CBOR || this == INFLUX;
    }

    public PayloadCodec codec(PayloadMapping mapping) {
        return switch (this) {
            case JSON -> new JsonCodec(mapping);
            case CANONICAL -> new CanonicalCodec();
            case SENML -> SenmlCodec.json();
            case SENML_CBOR -> SenmlCodec.cbor();
            case INFLUX -> new InfluxCodec(mapping.precision().orElse(TimePrecision.NS), mapping.sensorTag());
            case SPARKPLUG -> new SparkplugCodec();
            case NUMBER -> new NumberCodec(NumberCodec.Kind.NUMBER);
            case BOOLEAN -> new NumberCodec(NumberCodec.Kind.BOOLEAN);
            case STRING -> new NumberCodec(NumberCodec.Kind.STRING);
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
