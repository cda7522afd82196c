package io.sensorflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionType;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.RuleParser;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceType;
import io.sensorflow.source.mqtt.MqttSourceConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a HOCON file over the defaults in {@code reference.conf}, binds it to typed records and validates all of
 * it in one pass. The same pass powers {@code sensorflow check} and daemon start-up.
 */
public final class ConfigLoader {

    /** The default config that ships in the jar, a copy of {@code config/sensorflow.conf}. */
    public static final String BUNDLED_DEFAULT = "io/sensorflow/config/sensorflow.conf";

    /** sensorflow's Pekko settings (logging through SLF4J and the like), see the file for why not reference.conf. */
    private static final String PEKKO_SETTINGS = "io/sensorflow/pekko.conf";

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

    /** Loads a file for {@code scope}. @throws ConfigException listing every problem */
    public static SensorflowConfig load(Path file, Scope scope) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "-", "no such config file")));
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw parseFailure(e);
        }
        return bind(parsed, scope);
    }

    /** Loads the default config bundled in the jar. */
    public static SensorflowConfig loadBundled() {
        Config parsed;
        try {
            parsed = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), BUNDLED_DEFAULT,
                    ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw parseFailure(e);
        }
        return bind(parsed);
    }

    /** Binds already-parsed HOCON (tests use this with strings). */
    public static SensorflowConfig bind(Config parsed) {
        return bind(parsed, Scope.DAEMON);
    }

    public static SensorflowConfig bind(Config parsed, Scope scope) {
        Config resolved;
        try {
            // System properties and environment variables take part in ${?ENV} substitution only.
            resolved = parsed.withFallback(ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), PEKKO_SETTINGS))
                    // An explicit class loader: a reload runs on the signal handler's thread, which has no context
                    // class loader for Typesafe Config to find reference.conf with.
                    .withFallback(ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader()))
                    .resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw parseFailure(e);
        }
        Problems problems = new Problems();
        Section root = new Section(resolved.getConfig("sensorflow"), resolved.getValue("sensorflow").origin(),
                "sensorflow", problems, resolved.getConfig("sensorflow.defaults"));
        SensorflowConfig config = bind(root, resolved, parsed.root().origin(), scope);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return config;
    }

    /** @param file the origin of the user's file, for problems about keys the user did not write */
    private static SensorflowConfig bind(Section root, Config raw, com.typesafe.config.ConfigOrigin file, Scope scope) {
        checkDefaults(root.section("defaults"));
        HttpConfig http = HttpConfig.parse(root.section("http"));
        StoreConfig store = StoreConfig.parse(root.section("store"));
        Duration shutdownTimeout = root.positiveDuration("shutdown-timeout");
        PipelineConfig pipeline = PipelineConfig.parse(root.section("pipeline"), shutdownTimeout);

        Map<String, SourceConfig> sources = new LinkedHashMap<>();
        Map<String, Section> sourceSections = root.entries("sources");
        Map<String, Section> withDefaults = new LinkedHashMap<>();
        sourceSections.forEach((name, section) -> {
            Optional<SourceType> type = type(section, SourceType.class);
            type.ifPresent(t -> {
                Section defaulted = section.withDefaults(root.defaults("sources." + t.label()));
                withDefaults.put(name, defaulted);
                sources.put(name, t.parse(defaulted));
            });
        });
        // With the defaults applied: a max-body set under sensorflow.defaults is the user's too.
        checkIngestPaths(sources, withDefaults, pipeline);
        if (sourceSections.isEmpty() && scope == Scope.DAEMON) {
            root.problems().add(file, "sensorflow.sources", "at least one source is required");
        }
        Map<String, ActionConfig> actions = new LinkedHashMap<>();
        Map<String, Section> actionSections = root.entries("actions");
        actionSections.forEach((name, section) -> {
            Optional<ActionType> type = type(section, ActionType.class);
            type.ifPresent(t -> actions.put(name,
                    t.parse(section.withDefaults(root.defaults("actions." + t.label())))));
        });
        Map<String, Rule> rules = new LinkedHashMap<>();
        Map<String, Section> ruleSections = root.entries("rules");
        ruleSections.forEach((name, section) ->
                rules.put(name, RuleParser.parse(section.withDefaults(root.defaults("rule")))));
        root.rejectUnknownKeys();

        checkReferences(sources, sourceSections, actions, actionSections, rules, ruleSections, scope);
        return new SensorflowConfig(http, store, pipeline, sources, rules, actions, raw);
    }

    /** Rules name actions and actions name sources; a dangling name is a config error, not a runtime surprise. */
    private static void checkReferences(Map<String, SourceConfig> sources, Map<String, Section> sourceSections,
                                        Map<String, ActionConfig> actions, Map<String, Section> actionSections,
                                        Map<String, Rule> rules, Map<String, Section> ruleSections, Scope scope) {
        actions.forEach((name, action) -> action.source().ifPresent(sourceName -> {
            if (scope != Scope.DAEMON && sources.isEmpty()) {
                return;
            }
            SourceConfig source = sources.get(sourceName);
            if (source == null) {
                actionSections.get(name).problem("source", "names source '" + sourceName + "', which is not defined"
                        + known(sources.keySet()));
            } else if (!(source instanceof MqttSourceConfig)) {
                actionSections.get(name).problem("source", "names source '" + sourceName
                        + "', which is not an mqtt source");
            }
        }));
        // Two sources with one client id on one broker take the session from each other, forever.
        Map<String, String> clientIds = new LinkedHashMap<>();
        sources.forEach((name, source) -> {
            if (source instanceof MqttSourceConfig mqtt) {
                String id = mqtt.host() + ":" + mqtt.port() + "/" + mqtt.clientId();
                String other = clientIds.putIfAbsent(id, name);
                if (other != null) {
                    sourceSections.get(name).problem("client-id", "'" + mqtt.clientId()
                            + "' is also the client id of source '" + other + "' on the same broker; each needs its own");
                }
            }
        });
        rules.forEach((name, rule) -> {
            for (String action : rule.actionNames()) {
                // An action that is defined but failed to parse has its own problem; do not report it twice.
                if (!actionSections.containsKey(action)) {
                    ruleSections.get(name).problem("actions", "names action '" + action + "', which is not defined"
                            + known(actions.keySet()));
                }
            }
        });
    }

    /**
     * Keys a user may set under {@code sensorflow.defaults} beyond those reference.conf gives a value: the optional
     * and required keys that have no default.
     */
    private static final Map<String, List<String>> OPTIONAL_DEFAULT_KEYS = Map.ofEntries(
            Map.entry("sources.mqtt", List.of("type", "username", "password", "subscriptions", "tls", "share-group")),
            Map.entry("sources.simulator", List.of("type")),
            Map.entry("sources.http-push", List.of("type")),
            Map.entry("sources.http-poll", List.of("type", "urls", "headers", "sensor", "metric", "items", "tags",
                    "precision", "unit")),
            Map.entry("subscription", List.of("topic", "sensor", "metric", "items", "tags", "precision", "unit")),
            Map.entry("rule", List.of("when", "clear-when", "description", "inhibit", "unit")),
            Map.entry("rule-types.window", List.of("window", "every", "group-by")),
            Map.entry("rule-types.rate", List.of("window")),
            Map.entry("rule-types.anomaly", List.of("window")),
            Map.entry("rule-types.combine", List.of("metrics", "group-by")),
            Map.entry("rule-types.deadman", List.of("after", "sensors")),
            Map.entry("actions.mqtt", List.of("type", "source", "topic", "payload", "rate-limit")),
            Map.entry("actions.log", List.of("type", "rate-limit")));

    /** A typo under defaults would silently change nothing; every key there must be one the entries know. */
    private static void checkDefaults(Section defaults) {
        Config reference = ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader())
                .getConfig("sensorflow.defaults");
        Config user = defaults.raw();
        for (Map.Entry<String, com.typesafe.config.ConfigValue> entry : user.entrySet()) {
            String path = entry.getKey();
            if (entry.getValue().origin().filename() == null || reference.hasPath(path)) {
                continue;
            }
            boolean optional = OPTIONAL_DEFAULT_KEYS.entrySet().stream().anyMatch(e ->
                    e.getValue().stream().anyMatch(key -> path.equals(e.getKey() + "." + key)
                            || path.startsWith(e.getKey() + "." + key + ".")));
            if (!optional) {
                defaults.problems().add(entry.getValue().origin(), defaults.path() + "." + path,
                        "unknown key; defaults exist for sources.<type>, subscription, rule, "
                                + "rule-types.<type>, actions.mqtt and actions.log (see reference.conf)");
            }
        }
    }

    /** Paths the API serves itself under /api/v1, which an http-push source must not take. */
    private static final List<String> API_PATHS = List.of("sensors", "alerts", "rules", "dead-letters", "admin",
            "silences");

    private static void checkIngestPaths(Map<String, SourceConfig> sources, Map<String, Section> sections,
                                         PipelineConfig pipeline) {
        Map<String, String> taken = new LinkedHashMap<>();
        sources.replaceAll((name, source) -> source instanceof io.sensorflow.source.http.HttpPushSourceConfig push
                && push.maxBody() > pipeline.maxPayload() && !sections.get(name).isUserSet("max-body")
                // The default max-body follows a smaller max-payload instead of contradicting it.
                ? push.withMaxBody(pipeline.maxPayload()) : source);
        sources.forEach((name, source) -> {
            if (source instanceof io.sensorflow.source.http.HttpPushSourceConfig push) {
                if (push.maxBody() > pipeline.maxPayload()) {
                    // A body the decode stage would refuse as payload-too-large after reading it.
                    sections.get(name).problem("max-body", "is " + push.maxBody() + " bytes, more than "
                            + "pipeline.max-payload (" + pipeline.maxPayload() + " bytes), which every payload must fit "
                            + "in; raise pipeline.max-payload too");
                }
                String first = push.path().split("/")[0];
                if (API_PATHS.contains(first)) {
                    sections.get(name).problem("path", "/api/v1/" + first + " is the API's own; choose another path");
                }
                String other = taken.putIfAbsent(push.path(), name);
                if (other != null) {
                    sections.get(name).problem("path", "/api/v1/" + push.path() + " is taken by source " + other);
                }
            }
        });
    }

    private static String known(java.util.Collection<String> names) {
        return names.isEmpty() ? " (none are)" : "; defined: " + String.join(", ", names);
    }

    private static <E extends Enum<E>> Optional<E> type(Section section, Class<E> types) {
        if (!section.has("type")) {
            section.problem("type", "is required; one of " + labels(types));
            return Optional.empty();
        }
        String type = section.string("type");
        for (E constant : types.getEnumConstants()) {
            if (constant.name().replace('_', '-').equalsIgnoreCase(type)) {
                return Optional.of(constant);
            }
        }
        section.problem("type", "unknown type '" + type + "'; one of " + labels(types));
        return Optional.empty();
    }

    private static <E extends Enum<E>> String labels(Class<E> types) {
        return Arrays.stream(types.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
    }

    private static ConfigException parseFailure(com.typesafe.config.ConfigException e) {
        String message = Section.cleanMessage(e);
        return new ConfigException(List.of(ConfigProblem.at(e.origin(), "-", message)));
    }
}
