package io.sensorflow.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    static Map<String, String> readTags(String json) {
        return read(json, new TypeReference<>() { });
    }

    static Map<String, Object> readMap(String json) {
        return read(json, new TypeReference<>() { });
    }

    static List<String> readStrings(String json) {
        return read(json, new TypeReference<>() { });
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot read JSON column: " + e.getMessage(), e);
        }
    }
}
