package io.sensorflow.config;

import com.typesafe.config.Config;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.RateLimit;
import io.sensorflow.rule.Rule;
import io.sensorflow.source.SourceConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole validated configuration of a daemon.
 *
 * @param raw the resolved HOCON, also handed to Pekko (for its own {@code pekko.*} settings)
 */
public record SensorflowConfig(HttpConfig http, StoreConfig store, PipelineConfig pipeline,
                               Map<String, SourceConfig> sources, Map<String, Rule> rules,
                               Map<String, ActionConfig> actions, Config raw) {

    /** The rate limits of the actions that have one, by action name. */
    public Map<String, RateLimit> rateLimits() {
        Map<String, RateLimit> limits = new LinkedHashMap<>();
        actions.forEach((name, action) -> action.rateLimit().ifPresent(limit -> limits.put(name, limit)));
        return limits;
    }
}
