package io.sensorflow.codec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A subscription topic with placeholders, such as {@code sensors/{sensor}/{metric}}: each placeholder fills one whole
 * topic level, becomes {@code +} in the MQTT filter, and is read back out of every topic that arrives.
 * Supported placeholders: {@code {sensor}}, {@code {metric}} and {@code {tag:NAME}}; {@code +} and a trailing
 * {@code #} are passed through as MQTT wildcards.
 */
public final class TopicPattern {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern TAG = Pattern.compile("tag:([A-Za-z0-9_.-]+)");

    private final String pattern;
    private final String filter;
    private final String[] levels;
    private final boolean multiLevel;

    private TopicPattern(String pattern, String filter, String[] levels, boolean multiLevel) {
        this.pattern = pattern;
        this.filter = filter;
        this.levels = levels;
        this.multiLevel = multiLevel;
    }

    /** Parses a pattern, or explains why it is not one. */
    public static Result parse(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            return Result.error("must not be empty");
        }
        String[] raw = pattern.split("/", -1);
        List<String> filterLevels = new ArrayList<>();
        boolean multiLevel = false;
        for (int i = 0; i < raw.length; i++) {
            String level = raw[i];
            if (level.equals("#")) {
                if (i != raw.length - 1) {
                    return Result.error("'#' is only allowed as the last level of '" + pattern + "'");
                }
                multiLevel = true;
                filterLevels.add("#");
                continue;
            }
            Matcher m = PLACEHOLDER.matcher(level);
            if (m.find()) {
                if (m.start() != 0 || m.end() != level.length()) {
                    return Result.error("a placeholder must fill a whole topic level, got '" + level + "' in '" + pattern + "'");
                }
                String name = m.group(1);
                if (!name.equals("sensor") && !name.equals("metric") && !TAG.matcher(name).matches()) {
                    return Result.error("unknown placeholder {" + name + "} in '" + pattern
                            + "'; known: {sensor}, {metric}, {tag:NAME}");
                }
                filterLevels.add("+");
                continue;
            }
            if (level.contains("#") || (level.contains("+") && !level.equals("+"))) {
                return Result.error("wildcards must fill a whole topic level, got '" + level + "' in '" + pattern + "'");
            }
            if (level.contains("{") || level.contains("}")) {
                return Result.error("unbalanced brace in '" + level + "' of '" + pattern + "'");
            }
            filterLevels.add(level);
        }
        String[] levels = multiLevel ? java.util.Arrays.copyOf(raw, raw.length - 1) : raw;
        return new Result(new TopicPattern(pattern, String.join("/", filterLevels), levels, multiLevel), null);
    }

    /** The MQTT topic filter to subscribe with. */
    public String filter() {
        return filter;
    }

    public String pattern() {
        return pattern;
    }

    public boolean hasPlaceholder(String name) {
        for (String level : levels) {
            if (level.equals("{" + name + "}")) {
                return true;
            }
        }
        return false;
    }

    /** Matches a concrete topic; empty if it does not fit this pattern. */
    public Optional<TopicMatch> match(String topic) {
        String[] parts = topic.split("/", -1);
        if (multiLevel ? parts.length < levels.length : parts.length != levels.length) {
            return Optional.empty();
        }
        String sensor = null;
        String metric = null;
        Map<String, String> tags = null;
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            String part = parts[i];
            if (level.startsWith("{")) {
                String name = level.substring(1, level.length() - 1);
                if (part.isEmpty()) {
                    return Optional.empty();
                }
                if (name.equals("sensor")) {
                    sensor = part;
                } else if (name.equals("metric")) {
                    metric = part;
                } else {
                    if (tags == null) {
                        tags = new HashMap<>();
                    }
                    tags.put(name.substring("tag:".length()), part);
                }
            } else if (!level.equals("+") && !level.equals(part)) {
                return Optional.empty();
            }
        }
        return Optional.of(new TopicMatch(topic, sensor, metric, tags == null ? Map.of() : tags));
    }

    @Override
    public String toString() {
        return pattern;
    }

    /** Either a pattern or the reason the text is not one. */
    public record Result(TopicPattern pattern, String error) {
        static Result error(String error) {
            return new Result(null, error);
        }
    }
}
