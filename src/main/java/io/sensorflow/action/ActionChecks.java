package io.sensorflow.action;

import io.sensorflow.config.Section;
import io.sensorflow.source.SourceConfig;

import java.util.Map;

/**
 * What an action's {@link ActionConfig#check} sees of the rest of the config.
 *
 * @param section the action's own section: where its problems are recorded
 * @param sources every source of the config, by name
 * @param partial the config holds only rules and their actions (a rules file that a daemon's config includes, a rule
 *                test, a replay): sources it names may be defined elsewhere
 */
public record ActionChecks(Section section, Map<String, SourceConfig> sources, boolean partial) {

    /**
     * Checks that {@code key} names a source that offers {@code capability}; {@code kind} says what such a source is
     * in the message ("an mqtt source").
     */
    public void requireSource(String key, String source, Class<?> capability, String kind) {
        if (partial && sources.isEmpty()) {
            return;
        }
        SourceConfig found = sources.get(source);
        if (found == null) {
            section.problem(key, "names source '" + source + "', which is not defined"
                    + (sources.isEmpty() ? " (none are)" : "; defined: " + String.join(", ", sources.keySet())));
        } else if (!found.offers(capability)) {
            section.problem(key, "names source '" + source + "', which is not " + kind);
        }
    }
}
