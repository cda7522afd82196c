package io.sensorflow.app;

import com.typesafe.config.Config;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.cluster.ClusterConfig;
import io.sensorflow.config.ConfigProblem;
import io.sensorflow.http.HttpConfig;
import io.sensorflow.pipeline.PipelineConfig;
import io.sensorflow.rule.Rule;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.store.StoreConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration of a daemon.
 *
 * @param cluster  this node's cluster, or empty for a daemon that runs alone
 * @param raw      the resolved HOCON, also handed to Pekko (for its own {@code pekko.*} settings)
 * @param warnings what is wrong but harmless (a root key nothing reads); {@code check} prints them, a start logs them
 */
public record SensorflowConfig(HttpConfig http, StoreConfig store, PipelineConfig pipeline,
                               Map<String, SourceConfig> sources, Map<String, Rule> rules,
                               Map<String, ActionConfig> actions, Optional<ClusterConfig> cluster, Config raw,
                               List<ConfigProblem> warnings) {

    /** The limits of every action, by action name. */
    public Map<String, ActionLimits> actionLimits() {
        Map<String, ActionLimits> limits = new LinkedHashMap<>();
        actions.forEach((name, action) -> limits.put(name, action.limits()));
        return limits;
    }

    SensorflowConfig withWarnings(List<ConfigProblem> list) {
        return new SensorflowConfig(http, store, pipeline, sources, rules, actions, cluster, raw, List.copyOf(list));
    }

    SensorflowConfig withRaw(Config resolved) {
        return new SensorflowConfig(http, store, pipeline, sources, rules, actions, cluster, resolved, warnings);
    }
}
