package io.sensorflow.codec;

import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How one subscription or feed decodes its payloads: the {@code format} and its mapping keys, parsed and checked
 * in one place for every source type.
 */
public record PayloadSpec(PayloadFormat format, PayloadMapping mapping, PayloadCodec codec) {

    /** Reads {@code format}, {@code value}, {@code timestamp}, {@code sensor}, {@code metric}, {@code items},
     * {@code tags}, {@code precision} and {@code sensor-tag} from a section that has the subscription defaults. */
    public static PayloadSpec parse(Section s, Registry<PayloadFormat> formats) {
        PayloadFormat format = s.oneOf("format", formats).orElse(JsonCodec.FORMAT);
        String value = pointer(s, "value").orElse("/value");
        Optional<String> timestamp = pointer(s, "timestamp");
        Optional<String> sensor = pointer(s, "sensor");
        Optional<String> metric = pointer(s, "metric");
        Optional<String> items = pointer(s, "items");
        Map<String, String> tags = new LinkedHashMap<>();
        if (s.has("tags")) {
            Section tagSection = s.section("tags");
            tagSection.asStringMap().forEach((name, pointer) -> {
                Optional<String> error = PayloadMapping.pointerError(pointer);
                error.ifPresent(e -> tagSection.problem(name, e));
                if (error.isEmpty()) {
                    tags.put(name, pointer);
                }
            });
        }
        Optional<TimePrecision> precision = s.has("precision")
                ? Optional.of(s.enumValue("precision", TimePrecision.class, TimePrecision.MS))
                : Optional.empty();
        String sensorTag = s.has("sensor-tag") ? s.string("sensor-tag") : PayloadMapping.DEFAULT_SENSOR_TAG;
        Optional<String> unit = s.optionalString("unit").filter(u -> !u.isEmpty());
        if (unit.isPresent() && unit.get().startsWith("/")) {
            if (!format.namesByPointer()) {
                s.problem("unit", "a JSON Pointer applies to format = json only; write the unit itself (e.g. \"Cel\") "
                        + "for the readings of this " + format.label() + " feed");
            } else {
                PayloadMapping.pointerError(unit.get()).ifPresent(e -> s.problem("unit", e));
            }
        }
        if (!format.namesByPointer()) {
            for (String key : new String[] {"sensor", "metric", "items", "tags"}) {
                if (s.isUserSet(key)) {
                    s.problem(key, "applies to format = json only; " + format.label() + " payloads "
                            + (format.namesItself() ? "name their own sensors and metrics" : "are a bare value"));
                }
            }
        }
        PayloadMapping mapping = new PayloadMapping(value, timestamp, sensor, metric, items, tags, precision, sensorTag,
                unit);
        PayloadCodec codec = format.codec(mapping);
        if (mapping.fixedUnit().isPresent()) {
            codec = new FixedUnit(codec, mapping.fixedUnit().get());
        }
        return new PayloadSpec(format, mapping, codec);
    }

    /** Gives the configured unit to every reading that does not name its own. */
    private record FixedUnit(PayloadCodec codec, String unit) implements PayloadCodec {

        @Override
        public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
            Decoded decoded = codec.decode(payload, source, topic, receivedAt);
            java.util.List<io.sensorflow.model.Reading> readings = new java.util.ArrayList<>(decoded.readings().size());
            for (io.sensorflow.model.Reading reading : decoded.readings()) {
                readings.add(reading.unit() == null ? reading.withUnit(unit) : reading);
            }
            return new Decoded(readings, decoded.rejected());
        }

        @Override
        public void commandsVia(java.util.function.BiConsumer<String, byte[]> publisher) {
            codec.commandsVia(publisher);
        }
    }

    /** The pointer at {@code key}; one that is not a JSON Pointer is reported and left out, so the codec builds. */
    private static Optional<String> pointer(Section s, String key) {
        Optional<String> pointer = s.optionalString(key);
        Optional<String> error = pointer.flatMap(PayloadMapping::pointerError);
        error.ifPresent(e -> s.problem(key, e));
        return error.isPresent() ? Optional.empty() : pointer;
    }
}
