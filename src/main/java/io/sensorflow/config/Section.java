package io.sensorflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Typed, validating access to one object of the configuration.
 *
 * <p>Every getter records a problem (with file, line and full key) instead of throwing, and returns a harmless
 * placeholder so that validation goes on and the user sees every problem in one pass. Every key a getter asks for is
 * recorded in the {@link Binding}, which reports the keys nothing asked for as unknown once all parsers have run: a
 * typo never silently falls back to a default.
 */
public final class Section {

    private final Binding binding;
    private final Config config;
    private final ConfigOrigin origin;
    private final String path;

    Section(Binding binding, Config config, ConfigOrigin origin, String path) {
        this.binding = binding;
        this.config = config;
        this.origin = origin;
        this.path = path;
    }

    /** The defaults under {@code sensorflow.defaults.<path>}, as reference.conf and the user's file set them. */
    public Config defaults(String path) {
        return binding.defaults(path);
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
        return binding.problems();
    }

    /** The full path of {@code key} in this section, as {@code check} prints it. */
    public String key(String key) {
        return Binding.join(path, key);
    }

    public boolean has(String key) {
        binding.read(path, key);
        return config.hasPath(ConfigUtil.quoteString(key));
    }

    /** Whether the value of {@code key} comes from the user's config rather than from reference.conf's defaults. */
    public boolean isUserSet(String key) {
        String quoted = ConfigUtil.quoteString(key);
        return config.hasPath(quoted) && isUsers(config.getValue(quoted).origin());
    }

    static boolean isUsers(ConfigOrigin o) {
        String name = o.filename() != null ? o.filename()
                : o.resource() != null ? o.resource()
                : o.url() != null ? o.url().toString() : o.description();
        return !name.endsWith("reference.conf");
    }

    /** Where {@code key} is written; this section's own place when it is not, or only in reference.conf. */
    public ConfigOrigin originOf(String key) {
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            return origin;
        }
        ConfigOrigin written = config.getValue(quoted).origin();
        return isUsers(written) ? written : origin;
    }

    /** Records a problem located at {@code key} (at this section if the key is absent). */
    public void problem(String key, String message) {
        binding.problems().add(originOf(key), key(key), message);
    }

    private <T> T get(String key, T placeholder, Getter<T> getter) {
        binding.read(path, key);
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            binding.problems().add(origin, key(key), "is required but missing");
            return placeholder;
        }
        try {
            return getter.get(quoted);
        } catch (com.typesafe.config.ConfigException e) {
            binding.problems().add(originOf(key), key(key), cleanMessage(e));
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
        return between(key, min, max, "", config::getInt);
    }

    public double decimal(String key, double min, double max) {
        return between(key, min, max, "", config::getDouble);
    }

    /** A size in bytes, written as HOCON sizes ({@code 256KiB}, {@code 1MiB}), between {@code min} and {@code max}. */
    public long bytes(String key, long min, long max) {
        return between(key, min, max, " bytes", config::getBytes);
    }

    /** A number in {@code [min, max]}; outside it (NaN too) a problem, and {@code min} to go on with. */
    private <N extends Number> N between(String key, N min, N max, String unit, Getter<N> getter) {
        N value = get(key, min, getter);
        double v = value.doubleValue();
        if (!(v >= min.doubleValue() && v <= max.doubleValue())) {
            problem(key, "must be between " + min + " and " + max + unit + ", got " + value);
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
            binding.read(path, entry.getKey());
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
                binding.problems().add(value.origin(), key(entry.getKey()), "must be a string, got " + describe(value));
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
                case OBJECT -> result.add(element(key, i, ((ConfigObject) element).toConfig(), element.origin()));
                case STRING, NUMBER, BOOLEAN -> result.add(String.valueOf(element.unwrapped()));
                default -> binding.problems().add(element.origin(), elementPath,
                        "must be a name or an object { ... }, got " + describe(element));
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

    /**
     * A name that must be one of {@code registry}'s types, reported as {@code "must be one of a, b, got 'x'"}; empty
     * when absent (the key's default, if it has one, then comes from reference.conf) or unknown.
     */
    public <T> Optional<T> oneOf(String key, Registry<T> registry) {
        if (!has(key)) {
            return Optional.empty();
        }
        String raw = string(key);
        Optional<T> found = registry.get(raw);
        if (found.isEmpty()) {
            problem(key, "must be one of " + registry.names() + ", got '" + raw + "'");
        }
        return found;
    }

    public Section section(String key) {
        binding.read(path, key);
        binding.container(key(key));
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            return new Section(binding, ConfigFactory.empty(), origin, key(key));
        }
        ConfigValue value = config.getValue(quoted);
        if (value.valueType() != ConfigValueType.OBJECT) {
            binding.problems().add(value.origin(), key(key), "must be an object { ... }, got " + describe(value));
            return new Section(binding, ConfigFactory.empty(), value.origin(), key(key));
        }
        return new Section(binding, ((ConfigObject) value).toConfig(), value.origin(), key(key));
    }

    /** The named entries of a map-like object such as {@code sources { plant { ... } }}, in file order. */
    public Map<String, Section> entries(String key) {
        Section container = section(key);
        Map<String, Section> result = new LinkedHashMap<>();
        container.config.root().entrySet().stream()
                .sorted((a, b) -> Integer.compare(a.getValue().origin().lineNumber(), b.getValue().origin().lineNumber()))
                .forEach(e -> result.put(e.getKey(), container.section(e.getKey())));
        return result;
    }

    /**
     * Every element of a list of objects, each as a section named by its index, with the keys it does not set taken
     * from the defaults group {@code defaultsGroup} (under {@code sensorflow.defaults}; null for none).
     */
    public List<Section> sectionList(String key, String defaultsGroup) {
        Config fallback = defaultsGroup == null ? ConfigFactory.empty() : defaults(defaultsGroup);
        List<Section> result = new ArrayList<>();
        if (binding.dryRun() && defaultsGroup != null) {
            // Checking the defaults: one element made of the group alone, so that its keys are read like an entry's.
            result.add(binding.defaultsGroup(defaultsGroup));
            if (!config.hasPath(ConfigUtil.quoteString(key))) {
                binding.read(path, key);
                return result;
            }
        }
        ConfigList list = list(key, true);
        for (int i = 0; i < list.size(); i++) {
            ConfigValue element = list.get(i);
            if (element.valueType() != ConfigValueType.OBJECT) {
                binding.problems().add(element.origin(), key(key) + "." + i,
                        "must be an object { ... }, got " + describe(element));
                continue;
            }
            result.add(element(key, i, ((ConfigObject) element).toConfig().withFallback(fallback), element.origin()));
        }
        return result;
    }

    private Section element(String key, int index, Config element, ConfigOrigin elementOrigin) {
        String elementPath = key(key) + "." + index;
        binding.read(key(key), String.valueOf(index));
        binding.container(elementPath);
        return new Section(binding, element, elementOrigin, elementPath);
    }

    /** The list at {@code key}, or an empty one after recording why there is none. */
    private ConfigList list(String key, boolean required) {
        binding.read(path, key);
        binding.container(key(key));
        String quoted = ConfigUtil.quoteString(key);
        if (!config.hasPath(quoted)) {
            if (required) {
                binding.problems().add(origin, key(key), "is required but missing");
            }
            return ConfigValueFactory.fromIterable(List.of());
        }
        ConfigValue value = config.getValue(quoted);
        if (value.valueType() != ConfigValueType.LIST) {
            binding.problems().add(value.origin(), key(key), "must be a list [ ... ], got " + describe(value));
            return ConfigValueFactory.fromIterable(List.of());
        }
        return (ConfigList) value;
    }

    /** The underlying config, for checks that walk every key. */
    public Config raw() {
        return config;
    }

    public ConfigOrigin origin() {
        return origin;
    }

    /** Returns this section with every key of {@code defaults} that it does not set itself. */
    public Section withDefaults(Config defaults) {
        return new Section(binding, config.withFallback(defaults), origin, path);
    }

    private static String describe(ConfigValue value) {
        return value.valueType().name().toLowerCase(Locale.ROOT) + " " + value.render();
    }

    /** Typesafe Config repeats the origin and key in its messages; we print those ourselves. */
    public static String cleanMessage(com.typesafe.config.ConfigException e) {
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
