package io.sensorflow.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sensorflow.store.StoreException;

import java.util.List;
import java.util.Map;

/** The JSON columns of the store: rule states, tags, alert inputs and action lists. */
final class Json {

    // Unknown properties are tolerated so that an older daemon can read state a newer one wrote.
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot read " + type.getSimpleName() + " from JSON: " + e.getMessage(), e);
        }
    }

    // Readers made once: resolving a TypeReference on every call was a tenth of the outbox thread's CPU, which reads
    // the tags and inputs of every delivery it starts.
    private static final ObjectReader TAGS = MAPPER.readerFor(new TypeReference<Map<String, String>>() { });
    private static final ObjectReader MAP = MAPPER.readerFor(new TypeReference<Map<String, Object>>() { });
    private static final ObjectReader STRINGS = MAPPER.readerFor(new TypeReference<List<String>>() { });

    static Map<String, String> readTags(String json) {
        return "{}".equals(json) ? new java.util.LinkedHashMap<>() : read(json, TAGS);
    }

    static Map<String, Object> readMap(String json) {
        return read(json, MAP);
    }

    static List<String> readStrings(String json) {
        return read(json, STRINGS);
    }

    private static <T> T read(String json, ObjectReader reader) {
        try {
            return reader.readValue(json);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot read JSON column: " + e.getMessage(), e);
        }
    }
}
