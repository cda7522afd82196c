package io.sensorflow.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import io.sensorflow.action.ActionChecks;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.cluster.ClusterConfig;
import io.sensorflow.config.Binding;
import io.sensorflow.config.ComponentType;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import io.sensorflow.config.Hocon;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;
import io.sensorflow.http.HttpApi;
import io.sensorflow.http.HttpConfig;
import io.sensorflow.pipeline.PipelineConfig;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.RuleParser;
import io.sensorflow.source.SourceChecks;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.mqtt.MqttSourceConfig;
import io.sensorflow.store.StoreConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Reads a HOCON file over the defaults in {@code reference.conf}, binds it to typed records with the component types
 * of {@link Components} and validates all of it in one pass: every problem, each with its file, line and key. The
 * same pass powers {@code sensorflow check}, daemon start-up and reloads.
 */
public final class ConfigLoader {

    /** The default config that ships in the jar, a copy of {@code config/sensorflow.conf}. */
    public static final String BUNDLED_DEFAULT = "io/sensorflow/config/sensorflow.conf";

    /** sensorflow's Pekko settings (logging through SLF4J and the like), see the file for why not reference.conf. */
    private static final String PEKKO_SETTINGS = "io/sensorflow/pekko.conf";
    private static final String ROOT = "sensorflow";
    private static final String DEFAULTS = ROOT + ".defaults";

    private ConfigLoader() {
    }

    /**
     * What a config file must hold: a whole daemon; only rules and the actions they name (rule test files and
     * replays use rules files that a daemon's config includes; the sources those actions publish through need not be
     * in them); or only a store (export and import).
     */
    public enum Scope { DAEMON, RULES, STORE }

    /** Loads a file. @throws ConfigException listing every problem */
    public static SensorflowConfig load(Path file) {
        return load(file, Scope.DAEMON);
    }

    /**
     * Loads a file for {@code scope}, under the JVM's {@code -Dsensorflow.*} system properties.
     *
     * @throws ConfigException listing every problem
     */
    public static SensorflowConfig load(Path file, Scope scope) {
        return bind(withSystemProperties(Hocon.parseFile(file, "config file")), scope);
    }

    /** Loads the default config bundled in the jar, under the JVM's {@code -Dsensorflow.*} system properties. */
    public static SensorflowConfig loadBundled() {
        return bind(withSystemProperties(Hocon.parseResource(BUNDLED_DEFAULT)));
    }

    /**
     * System properties under {@code sensorflow.} win over the file, so that one setting can change for one run
     * ({@code SENSORFLOW_OPTS=-Dsensorflow.http.port=9090 bin/sensorflow run}) without a copy of the config. They are
     * checked like the file's keys: a misspelt one is an unknown key, named with its origin, "system properties".
     */
    static Config withSystemProperties(Config parsed) {
        // Not ConfigFactory.systemProperties(): it caches the first answer for the life of the JVM.
        Config properties = ConfigFactory.parseProperties(System.getProperties(),
                com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("system properties"));
        return properties.hasPath(ROOT) ? properties.withOnlyPath(ROOT).withFallback(parsed) : parsed;
    }

    /** Binds already-parsed HOCON (tests use this with strings). */
    public static SensorflowConfig bind(Config parsed) {
        return bind(parsed, Scope.DAEMON);
    }

    public static SensorflowConfig bind(Config parsed, Scope scope) {
        // An explicit class loader: a reload runs on the signal handler's thread, which has no context class loader
        // for Typesafe Config to find reference.conf with.
        Config references = Hocon.parseResource(PEKKO_SETTINGS)
                .withFallback(ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader()));
        Config resolved = Hocon.resolve(parsed, references);
        Binding binding = Binding.withDefaults(resolved.getConfig(DEFAULTS), DEFAULTS);
        Section root = binding.root(resolved.getConfig(ROOT), ROOT);
        SensorflowConfig config = bind(root, resolved, parsed.root().origin(), scope);
        if (config.cluster().isPresent()) {
            // The cluster block as Pekko's keys, under the user's own pekko { } and over Pekko's defaults.
            config = config.withRaw(Hocon.resolve(parsed, config.cluster().get().pekkoSettings()
                    .withFallback(references)));
        }
        checkDefaults(resolved, binding);
        binding.rejectUnread(resolved.getObject(ROOT), ROOT, Set.of("defaults"));
        binding.throwIfProblems();
        return config.withWarnings(rootKeyWarnings(parsed, references));
    }

    /** @param file the origin of the user's file, for problems about keys the user did not write */
    private static SensorflowConfig bind(Section root, Config raw, com.typesafe.config.ConfigOrigin file, Scope scope) {
        root.has("defaults");
        HttpConfig http = HttpConfig.parse(root.section("http"));
        StoreConfig store = StoreConfig.parse(root.section("store"), Components.STORES);
        Duration shutdownTimeout = root.positiveDuration("shutdown-timeout");
        PipelineConfig pipeline = PipelineConfig.parse(root.section("pipeline"), shutdownTimeout);

        Map<String, SourceConfig> sources = new LinkedHashMap<>();
        entries(root, "sources", Components.SOURCES).forEach((name, bound) -> sources.put(name, bound.config().check(
                new SourceChecks(bound.section(), Map.copyOf(sources), HttpApi.OWN_PATHS, pipeline.maxPayload()))));
        if (root.section("sources").raw().root().isEmpty() && scope == Scope.DAEMON) {
            root.problems().add(file, "sensorflow.sources", "at least one source is required");
        }
        Map<String, ActionConfig> actions = new LinkedHashMap<>();
        entries(root, "actions", Components.ACTIONS).forEach((name, bound) -> {
            bound.config().check(new ActionChecks(bound.section(), sources, scope != Scope.DAEMON));
            actions.put(name, bound.config());
        });
        Map<String, Rule> rules = new LinkedHashMap<>();
        Map<String, Section> ruleSections = root.entries("rules");
        ruleSections.forEach((name, section) -> rules.put(name,
                RuleParser.parse(section.withDefaults(root.defaults("rule")), Components.RULE_TYPES)));
        // Rules name actions; a dangling name is a config error, not a runtime surprise.
        Set<String> defined = root.section("actions").raw().root().keySet();
        rules.forEach((name, rule) -> {
            for (String action : rule.actionNames()) {
                // An action that is defined but failed to parse has its own problem; do not report it twice.
                if (!defined.contains(action)) {
                    ruleSections.get(name).problem("actions", "names action '" + action + "', which is not defined"
                            + (actions.isEmpty() ? " (none are)" : "; defined: " + String.join(", ", actions.keySet())));
                }
            }
        });
        Optional<ClusterConfig> cluster = cluster(root, store, scope);
        if (cluster.isPresent() && scope == Scope.DAEMON) {
            clusterSources(root, sources);
        }
        return new SensorflowConfig(http, store, pipeline, sources, rules, actions, cluster, raw, List.of());
    }

    /**
     * The sources of a cluster's node. MQTT sources subscribe as members of one shared subscription group, the
     * cluster's unless they name one, so that the broker splits the messages between the nodes instead of sending
     * each to all. http-poll and simulator sources fetch or make, on each node, what belongs to the shards it holds
     * (Daemon).
     */
    private static void clusterSources(Section root, Map<String, SourceConfig> sources) {
        Map<String, Section> sections = root.entries("sources");
        sources.replaceAll((name, source) -> {
            if (source instanceof MqttSourceConfig mqtt) {
                mqtt.subscriptions().stream().map(s -> s.format()).filter(f -> f.notShareable().isPresent())
                        .findFirst().ifPresent(f -> sections.get(name).problem("subscriptions", "format = " + f.name()
                                + " cannot be used in a cluster, whose nodes share the subscription: "
                                + f.notShareable().get()));
                return mqtt.sharedByDefault(ClusterConfig.SYSTEM_NAME);
            }
            return source;
        });
    }

    /** {@code sensorflow.cluster}, when the file has one; a daemon's cluster needs the shared store. */
    private static Optional<ClusterConfig> cluster(Section root, StoreConfig store, Scope scope) {
        if (!root.has("cluster")) {
            return Optional.empty();
        }
        ClusterConfig cluster = ClusterConfig.parse(root.section("cluster").withDefaults(root.defaults("cluster")));
        if (scope == Scope.DAEMON && !store.type().equals("postgres")) {
            root.problem("cluster", "a cluster needs store.type = postgres, the store all nodes share: with "
                    + store.type() + " each node would keep only the readings it owns, the API on one node would "
                    + "not see the others', and no two nodes could agree on who delivers an action");
        }
        return Optional.of(cluster);
    }

    /** A component's config record and the section it came from, with its type's defaults. */
    private record Bound<C>(Section section, C config) {
    }

    /**
     * The named entries of {@code key} (sources, actions), each bound by the type its {@code type} names, with that
     * type's defaults from {@code sensorflow.defaults.<key>.<type>}. An entry without a known type is reported and
     * left out.
     */
    private static <C> Map<String, Bound<C>> entries(Section root, String key, Registry<ComponentType<C>> types) {
        Map<String, Bound<C>> result = new LinkedHashMap<>();
        root.entries(key).forEach((name, section) -> {
            if (!section.has("type")) {
                section.problem("type", "is required; one of " + types.names());
                return;
            }
            String type = section.string("type");
            types.get(type).ifPresentOrElse(t -> {
                Section defaulted = section.withDefaults(root.defaults(key + "." + t.name()));
                result.put(name, new Bound<>(defaulted, t.parse(defaulted)));
            }, () -> section.problem("type", "unknown type '" + type + "'; one of " + types.names()));
        });
        return result;
    }

    /**
     * A typo under {@code sensorflow.defaults} would silently change nothing, and an entry of that type need not
     * exist to show it. So every group of defaults is bound on its own, in a dry run, by the parser of what it is the
     * defaults of; a key of the user's there that no parser read is unknown.
     */
    private static void checkDefaults(Config resolved, Binding binding) {
        Binding dry = Binding.dryRun(resolved.getConfig(DEFAULTS), DEFAULTS);
        Components.SOURCES.all().forEach(t -> dryRun(dry, "sources." + t.name(), t::parse));
        Components.ACTIONS.all().forEach(t -> dryRun(dry, "actions." + t.name(), t::parse));
        dryRun(dry, "rule", s -> RuleParser.parse(s, Components.RULE_TYPES));
        dryRun(dry, "cluster", ClusterConfig::parse);
        Components.RULE_TYPES.all().forEach(t -> dryRun(dry, "rule-types." + t.name(), t::parse));
        // The groups that parsers read themselves (an mqtt source's `subscription`) were read by the dry runs above.
        dry.rejectUnreadLeaves(resolved.getObject(DEFAULTS), DEFAULTS, binding.problems());
    }

    private static void dryRun(Binding dry, String group, Consumer<Section> parser) {
        Section section = dry.defaultsGroup(group);
        section.has("type");
        try {
            parser.accept(section);
        } catch (RuntimeException e) {
            // A parser may trip over the placeholders of missing keys; what it read until then counts.
        }
    }

    /**
     * Root keys other than {@code sensorflow} that neither sensorflow nor Pekko defines are read by nothing: a typo
     * such as {@code sensorfow { }}, or a variable kept for substitutions. Not an error, since the latter is fine.
     */
    private static List<ConfigProblem> rootKeyWarnings(Config parsed, Config references) {
        List<ConfigProblem> warnings = new ArrayList<>();
        ConfigObject root = parsed.root();
        // Unresolved, the file still shows its substitutions: a root key that one of them names is a variable (a
        // base URL for a list of them, say), read after all.
        String written = root.render(ConfigRenderOptions.concise());
        root.forEach((key, value) -> {
            boolean substituted = Pattern.compile("\\$\\{\\??\\s*" + Pattern.quote(key) + "[.}\\s]")
                    .matcher(written).find();
            if (!key.equals(ROOT) && !references.hasPath(ConfigUtil.quoteString(key)) && !substituted) {
                warnings.add(new ConfigProblem(fileOf(value.origin()), value.origin().lineNumber(), key,
                        "warning: a root key that nothing reads; sensorflow reads `sensorflow { }`, Pekko `pekko { }`"));
            }
        });
        return warnings;
    }

    private static String fileOf(com.typesafe.config.ConfigOrigin origin) {
        return origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource() : origin.description();
    }
}
