package io.sensorflow.config;

import com.typesafe.config.ConfigOrigin;

/** One thing wrong with a configuration, located so that an editor can jump to it. */
public record ConfigProblem(String file, int line, String key, String message) {

    static ConfigProblem at(ConfigOrigin origin, String key, String message) {
        return new ConfigProblem(fileOf(origin), origin == null ? -1 : origin.lineNumber(), key, message);
    }

    static String fileOf(ConfigOrigin origin) {
        if (origin == null) {
            return "<unknown>";
        }
        if (origin.filename() != null) {
            return origin.filename();
        }
        if (origin.resource() != null) {
            return origin.resource();
        }
        return origin.description();
    }

    /** {@code FILE:LINE: path.to.key: message}, the format of {@code sensorflow check}. */
    @Override
    public String toString() {
        return file + ":" + (line < 0 ? "?" : line) + ": " + key + ": " + message;
    }
}
