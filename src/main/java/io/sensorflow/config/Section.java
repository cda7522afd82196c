package io.sensorflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Typed, validating access to one object of the configuration.
 *
 * <p>Every getter records a problem (with file, line and full key) instead of throwing, and returns a harmless
 * placeholder so that validation goes on and the user sees every problem in one pass. Keys that no getter asked for
 * are reported as unknown by {@link #rejectUnknownKeys()}, so a typo never silently falls back to a default.
 */
public final class Section {

    private final Config config;
    private final ConfigOrigin origin;
    private final String path;
    private final Problems problems;
    private final Config defaults;
    private final Set<String> used = new HashSet<>();

    Section(Config config, ConfigOrigin origin, String path, Problems problems, Config defaults) {
        this.config = config;
        this.origin = origin;
        this.path = path;
        this.problems = problems;
        this.defaults = defaults;
    }

    /** A section over a whole file that is not a daemon config (e.g. a rule test file), collecting into {@code problems}. */
    public static Section root(Config config, Problems problems) {
        return new Section(config, config.root().origin(), "", problems, com.typesafe.config.ConfigFactory.empty());
    }

    /** The defaults under {@code sensorflow.defaults.<path>}, as reference.conf and the user's file set them. */
    public Config defaults(String path) {
        return defaults.hasPath(path) ? defaults.getConfig(path) : com.typesafe.config.ConfigFactory.empty();
    }

    public String path() {
        return path;
    }

    /** The last segment of the path: the user's name for a source, rule or action. */
    public String name() {
        List<String> parts = ConfigUtil.splitPath(path);
        return parts.get(parts.size() - 1);
    }

    public Problems problems() {
        return problems;
    }

    public String key(String key) {
        String quoted = ConfigUtil.quoteString(key).replaceAll("^\"([A-Za-z0-9_-]+)\"$", "$1");
        return path.isEmpty() ? quoted : path + "." + quoted;
    }

    public boolean has(String key) {
        used.add(key);
        return config.hasPath(ConfigUtil.quoteString(key));
    }

    /** Whether the value of {@code key} comes from the user's config rather than from reference.conf's defaults. */
    public boolean isUserSet(String key) {
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            return false;
        }
        ConfigOrigin o = config.getValue(quoted).origin();
        String name = o.filename() != null ? o.filename()
                : o.resource() != null ? o.resource()
                : o.url() != null ? o.url().toString() : o.description();
        return !name.endsWith("reference.conf");
    }

    public ConfigOrigin originOf(String key) {
        String quoted = ConfigUtil.quoteString(key);
        return config.hasPath(quoted) ? config.getValue(quoted).origin() : origin;
    }

    /** Records a problem located at {@code key} (at this section if the key is absent). */
    public void problem(String key, String message) {
        problems.add(originOf(key), key(key), message);
    }

    private <T> T get(String key, T placeholder, Getter<T> getter) {
        used.add(key);
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            problems.add(origin, key(key), "is required but missing");
            return placeholder;
        }
        try {
            return getter.get(quoted);
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(originOf(key), key(key), cleanMessage(e));
            return placeholder;
        }
    }

    public String string(String key) {
        return get(key, "", config::getString);
    }

    public Optional<String> optionalString(String key) {
        return has(key) ? Optional.of(string(key)) : Optional.empty();
    }

    public boolean bool(String key) {
        return get(key, false, config::getBoolean);
    }

    public int integer(String key, int min, int max) {
        int value = get(key, min, config::getInt);
        if (value < min || value > max) {
            problem(key, "must be between " + min + " and " + max + ", got " + value);
            return min;
        }
        return value;
    }

    public double decimal(String key, double min, double max) {
        double value = get(key, min, config::getDouble);
        if (!(value >= min && value <= max)) {
            problem(key, "must be between " + min + " and " + max + ", got " + value);
            return min;
        }
        return value;
    }

    /** A size in bytes, written as HOCON sizes ({@code 256KiB}, {@code 1MiB}), between {@code min} and {@code max}. */
    public long bytes(String key, long min, long max) {
        Long value = get(key, min, config::getBytes);
        if (value < min || value > max) {
            problem(key, "must be between " + min + " and " + max + " bytes, got " + value);
            return min;
        }
        return value;
    }

    public Duration duration(String key) {
        Duration value = get(key, null, config::getDuration);
        if (value == null) {
            return Duration.ZERO;
        }
        if (value.isNegative()) {
            problem(key, "must not be negative, got " + value);
            return Duration.ZERO;
        }
        return value;
    }

    /** A positive duration, for intervals and timeouts where zero would mean a busy loop or an instant failure. */
    public Duration positiveDuration(String key) {
        Duration value = get(key, null, config::getDuration);
        if (value == null) {
            return Duration.ofSeconds(1);
        }
        if (value.isNegative() || value.isZero()) {
            problem(key, "must be greater than zero, got " + value);
            return Duration.ofSeconds(1);
        }
        return value;
    }

    public List<String> stringList(String key) {
        return get(key, List.of(), config::getStringList);
    }

    /** An object of string values, such as {@code tags { room = "lab*" }}. */
    public Map<String, String> stringMap(String key) {
        return section(key).asStringMap();
    }

    /** Every key of this section as a string value; objects and lists are problems. */
    public Map<String, String> asStringMap() {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : config.root().entrySet()) {
            used.add(entry.getKey());
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
                problems.add(value.origin(), key(entry.getKey()), "must be a string, got " + describe(value));
            } else {
                result.put(entry.getKey(), String.valueOf(value.unwrapped()));
            }
        }
        return result;
    }

    public List<Double> doubleList(String key) {
        return get(key, List.of(), config::getDoubleList);
    }

    /**
     * A list whose elements are either plain strings or objects, such as {@code actions = [fan, {action = log}]}: each
     * element comes back as a {@link String} or as a {@link Section} named by its index.
     */
    public List<Object> stringsOrSections(String key) {
        ConfigList list = list(key, false);
        List<Object> result = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue element = list.get(i);
            String elementPath = key(key) + "." + i;
            switch (element.valueType()) {
                case OBJECT -> result.add(new Section(((ConfigObject) element).toConfig(), element.origin(), elementPath,
                        problems, defaults));
                case STRING, NUMBER, BOOLEAN -> result.add(String.valueOf(element.unwrapped()));
                default -> problems.add(element.origin(), elementPath, "must be a name or an object { ... }, got "
                        + describe(element));
            }
        }
        return result;
    }

    /** A lower-case word that must be one of the constants of {@code type} (written with '-' for '_'). */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E placeholder) {
        String raw = string(key);
        if (raw.isEmpty() && !config.hasPath(ConfigUtil.quoteString(key))) {
            return placeholder;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().replace('_', '-').equalsIgnoreCase(raw)) {
                return constant;
            }
        }
        problem(key, "must be one of " + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().replace('_', '-').toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")) + ", got '" + raw + "'");
        return placeholder;
    }

    public Section section(String key) {
        used.add(key);
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            return new Section(com.typesafe.config.ConfigFactory.empty(), origin, key(key), problems, defaults);
        }
        ConfigValue value = config.getValue(quoted);
        if (value.valueType() != ConfigValueType.OBJECT) {
            problems.add(value.origin(), key(key), "must be an object { ... }, got " + describe(value));
            return new Section(com.typesafe.config.ConfigFactory.empty(), value.origin(), key(key), problems, defaults);
        }
        return new Section(((ConfigObject) value).toConfig(), value.origin(), key(key), problems, defaults);
    }

    /** The named entries of a map-like object such as {@code sources { plant { ... } }}, in file order. */
    public Map<String, Section> entries(String key) {
        Section container = section(key);
        Map<String, Section> result = new LinkedHashMap<>();
        container.config.root().entrySet().stream()
                .sorted((a, b) -> Integer.compare(a.getValue().origin().lineNumber(), b.getValue().origin().lineNumber()))
                .forEach(e -> {
                    container.used.add(e.getKey());
                    result.put(e.getKey(), container.section(e.getKey()));
                });
        return result;
    }

    /**
     * Every element of a list of objects, each as a section named by its index, with the keys it does not set taken
     * from {@code defaults}.
     */
    public List<Section> sectionList(String key, Config defaults) {
        ConfigList list = list(key, true);
        List<Section> result = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue element = list.get(i);
            String elementPath = key(key) + "." + i;
            if (element.valueType() != ConfigValueType.OBJECT) {
                problems.add(element.origin(), elementPath, "must be an object { ... }, got " + describe(element));
                continue;
            }
            result.add(new Section(((ConfigObject) element).toConfig().withFallback(defaults), element.origin(),
                    elementPath, problems, this.defaults));
        }
        return result;
    }

    /** The list at {@code key}, or an empty one after recording why there is none. */
    private ConfigList list(String key, boolean required) {
        used.add(key);
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            if (required) {
                problems.add(origin, key(key), "is required but missing");
            }
            return com.typesafe.config.ConfigValueFactory.fromIterable(List.of());
        }
        ConfigValue value = config.getValue(quoted);
        if (value.valueType() != ConfigValueType.LIST) {
            problems.add(value.origin(), key(key), "must be a list [ ... ], got " + describe(value));
            return com.typesafe.config.ConfigValueFactory.fromIterable(List.of());
        }
        return (ConfigList) value;
    }

    /** The underlying config, for checks that walk every key. */
    Config raw() {
        return config;
    }

    /** Returns this section with every key of {@code defaults} that it does not set itself. */
    public Section withDefaults(Config defaults) {
        return new Section(config.withFallback(defaults), origin, path, problems, this.defaults);
    }

    /** Reports every key present in this section that no getter asked for. */
    public void rejectUnknownKeys() {
        Set<String> known = new TreeSet<>(used);
        for (Map.Entry<String, ConfigValue> entry : config.root().entrySet()) {
            if (!used.contains(entry.getKey())) {
                problems.add(entry.getValue().origin(), key(entry.getKey()),
                        "unknown key" + (known.isEmpty() ? "" : "; known keys here: " + String.join(", ", known)));
            }
        }
    }

    private static String describe(ConfigValue value) {
        return value.valueType().name().toLowerCase(Locale.ROOT) + " " + value.render();
    }

    /** Typesafe Config repeats the origin and key in its messages; we print those ourselves. */
    static String cleanMessage(com.typesafe.config.ConfigException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e.origin() != null && e.origin().lineNumber() >= 0) {
            String marker = ": " + e.origin().lineNumber() + ": ";
            int at = message.indexOf(marker);
            if (at >= 0) {
                message = message.substring(at + marker.length());
            }
        }
        return message.replaceFirst("^Invalid value at '[^']*': ", "");
    }

    @FunctionalInterface
    private interface Getter<T> {
        T get(String key);
    }
}
