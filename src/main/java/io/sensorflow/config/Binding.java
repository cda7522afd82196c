package io.sensorflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pass of binding a configuration into records: the problems found, and every key the parsers read.
 *
 * <p>Parsers read through {@link Section}s, which record each key they ask for here. Once every parser has run,
 * {@link #rejectUnread} walks the user's configuration and reports each key that nothing read, at its file and line.
 * So a typo is found once, by the binding layer, and no parser can forget to look for it.
 */
public final class Binding {

    private final Problems problems;
    private final Config defaults;
    private final String defaultsPath;
    private final boolean dryRun;
    /** Per path, the keys read under it (element indexes for lists). */
    private final Map<String, Set<String>> read = new HashMap<>();
    /** Paths read as an object or a list of objects, whose own keys must be read one by one. */
    private final Set<String> containers = new HashSet<>();

    private Binding(Problems problems, Config defaults, String defaultsPath, boolean dryRun) {
        this.problems = problems;
        this.defaults = defaults;
        this.defaultsPath = defaultsPath;
        this.dryRun = dryRun;
    }

    /**
     * A binding whose sections take defaults from {@code defaults}, the object at {@code defaultsPath} (e.g.
     * {@code sensorflow.defaults}).
     */
    public static Binding withDefaults(Config defaults, String defaultsPath) {
        return new Binding(new Problems(), defaults, defaultsPath, false);
    }

    /** A binding without defaults, for files that are not a daemon's config (rule test files). */
    public static Binding plain() {
        return new Binding(new Problems(), ConfigFactory.empty(), "", false);
    }

    /**
     * A binding that only learns which keys parsers read, to check the defaults of entries that a config may not
     * have: a list read with a defaults group ({@link Section#sectionList(String, String)}) that is absent gets one
     * element made of that group, so that its parser reads the group too. Its problems mean nothing.
     */
    public static Binding dryRun(Config defaults, String defaultsPath) {
        return new Binding(new Problems(), defaults, defaultsPath, true);
    }

    /** The whole of {@code config} as one section, named {@code path} in problems. */
    public Section root(Config config, String path) {
        containers.add(path);
        return new Section(this, config, config.root().origin(), path);
    }

    /**
     * The defaults group {@code group} (e.g. {@code sources.mqtt}), as a section at its place under the defaults,
     * for a dry run to read.
     */
    public Section defaultsGroup(String group) {
        String path = defaultsPath;
        containers.add(path);
        for (String part : ConfigUtil.splitPath(group)) {
            read(path, part);
            path = join(path, part);
            containers.add(path);
        }
        Config config = defaults(group);
        return new Section(this, config, config.root().origin(), path);
    }

    public Problems problems() {
        return problems;
    }

    boolean dryRun() {
        return dryRun;
    }

    /** The defaults under {@code path} of the defaults this binding was made with, or an empty config. */
    Config defaults(String path) {
        return defaults.hasPath(path) ? defaults.getConfig(path) : ConfigFactory.empty();
    }

    void read(String parent, String key) {
        read.computeIfAbsent(parent, p -> new HashSet<>()).add(key);
    }

    void container(String path) {
        containers.add(path);
    }

    /** @throws ConfigException listing every problem, if there is one */
    public void throwIfProblems() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
    }

    /**
     * Reports every key of {@code object} (the user's configuration at {@code path}) that no parser read, with the
     * keys that were read beside it. Keys whose value comes from a {@code reference.conf} are ours, not the user's,
     * and are never reported.
     *
     * @param skip keys directly under {@code path} that are checked some other way
     */
    public void rejectUnread(ConfigObject object, String path, Set<String> skip) {
        walk(object, path, skip, false, this.problems);
    }

    /**
     * Like {@link #rejectUnread}, for a dry run: reports into {@code into}, and names each unread value itself rather
     * than the object it is in.
     */
    public void rejectUnreadLeaves(ConfigObject object, String path, Problems into) {
        walk(object, path, Set.of(), true, into);
    }

    private void walk(ConfigObject object, String path, Set<String> skip, boolean leaves, Problems into) {
        Set<String> known = read.getOrDefault(path, Set.of());
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String key = entry.getKey();
            ConfigValue value = entry.getValue();
            if (skip.contains(key) || fromReference(value)) {
                continue;
            }
            String full = join(path, key);
            if (!known.contains(key)) {
                if (leaves) {
                    reportLeaves(value, full, unknown(known), into);
                } else {
                    into.add(value.origin(), full, unknown(known));
                }
                continue;
            }
            if (!containers.contains(full)) {
                continue;
            }
            if (value.valueType() == ConfigValueType.OBJECT) {
                walk((ConfigObject) value, full, Set.of(), leaves, into);
            } else if (value.valueType() == ConfigValueType.LIST) {
                ConfigList list = (ConfigList) value;
                for (int i = 0; i < list.size(); i++) {
                    String element = full + "." + i;
                    if (list.get(i).valueType() == ConfigValueType.OBJECT && containers.contains(element)) {
                        walk((ConfigObject) list.get(i), element, Set.of(), leaves, into);
                    }
                }
            }
        }
    }

    private void reportLeaves(ConfigValue value, String path, String message, Problems into) {
        if (value.valueType() == ConfigValueType.OBJECT) {
            for (Map.Entry<String, ConfigValue> entry : ((ConfigObject) value).entrySet()) {
                if (!fromReference(entry.getValue())) {
                    reportLeaves(entry.getValue(), join(path, entry.getKey()), message, into);
                }
            }
        } else {
            into.add(value.origin(), path, message);
        }
    }

    private static String unknown(Set<String> known) {
        return "unknown key" + (known.isEmpty() ? "" : "; known keys here: " + String.join(", ", new TreeSet<>(known)));
    }

    /** Whether a value is one of our (or Pekko's) defaults rather than something the user wrote. */
    static boolean fromReference(ConfigValue value) {
        return !Section.isUsers(value.origin());
    }

    /** A path and a key as {@code check} prints them: {@code a.b}, and quoted where the key needs it. */
    static String join(String path, String key) {
        String quoted = ConfigUtil.quoteString(key).replaceAll("^\"([A-Za-z0-9_-]+)\"$", "$1");
        return path.isEmpty() ? quoted : path + "." + quoted;
    }

}
