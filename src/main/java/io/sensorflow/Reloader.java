package io.sensorflow;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionContext;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import io.sensorflow.config.SensorflowConfig;
import io.sensorflow.pipeline.Pipeline;
import io.sensorflow.rule.Rule;
import io.sensorflow.source.mqtt.MqttPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Reloads rules and actions without a restart (SIGHUP, {@code POST /api/v1/admin/reload}): reads the config again,
 * and if it is valid swaps the new rules and actions in atomically, keeping the state of every rule whose kind did
 * not change. An invalid config changes nothing and is answered with the same problems {@code check} prints.
 * Sources, store, HTTP and pipeline settings take effect only at the next start; a reload says so.
 */
public final class Reloader {

    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);
    private static final List<String> RESTART_ONLY = List.of("sources", "store", "http", "pipeline", "shutdown-timeout");

    /**
     * What a reload did.
     *
     * @param kept    rules whose state carried over
     * @param reset   rules that are new, or whose type, match or memory changed (their state starts afresh)
     * @param removed rules that are gone (their alerts left the board)
     * @param notes   settings that changed but need a restart
     */
    public record Result(boolean ok, List<ConfigProblem> problems, List<String> kept, List<String> reset,
                         List<String> removed, List<String> notes) {
        static Result failed(List<ConfigProblem> problems) {
            return new Result(false, problems, List.of(), List.of(), List.of(), List.of());
        }
    }

    private final Supplier<SensorflowConfig> source;
    private final Map<String, MqttPublisher> publishers;
    private final AtomicReference<SensorflowConfig> current;
    private final AtomicReference<List<Rule>> rules;
    private volatile Pipeline pipeline;

    Reloader(Supplier<SensorflowConfig> source, SensorflowConfig initial, Map<String, MqttPublisher> publishers) {
        this.source = source;
        this.publishers = Map.copyOf(publishers);
        this.current = new AtomicReference<>(initial);
        this.rules = new AtomicReference<>(List.copyOf(initial.rules().values()));
    }

    void attach(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** The rules in force, for the API. */
    public List<Rule> rules() {
        return rules.get();
    }

    /** Reloads; never throws: every failure is in the result. */
    public synchronized CompletionStage<Result> reload() {
        SensorflowConfig next;
        try {
            next = source.get();
        } catch (ConfigException e) {
            LOG.warn("reload: rejected, the config has {} problem(s); the current rules keep running:\n{}",
                    e.problems().size(), e.getMessage());
            return CompletableFuture.completedFuture(Result.failed(e.problems()));
        }
        Map<String, Action> actions;
        try {
            actions = new ActionContext(publishers, next.pipeline().actionTimeout()).create(next.actions());
        } catch (IllegalStateException e) {
            ConfigProblem problem = new ConfigProblem("-", 0, "sensorflow.actions", e.getMessage()
                    + " (new sources start only with a restart)");
            LOG.warn("reload: rejected: {}", problem.message());
            return CompletableFuture.completedFuture(Result.failed(List.of(problem)));
        }
        SensorflowConfig previous = current.get();
        List<String> notes = new ArrayList<>();
        for (String key : RESTART_ONLY) {
            String path = "sensorflow." + key;
            boolean before = previous.raw().hasPath(path);
            boolean after = next.raw().hasPath(path);
            if (before != after || before && !previous.raw().getValue(path).equals(next.raw().getValue(path))) {
                notes.add(key + " changed; that takes effect at the next start");
            }
        }
        List<Rule> newRules = List.copyOf(next.rules().values());
        return pipeline.reload(newRules, actions, next.rateLimits()).thenApply(kept -> {
            current.set(next);
            rules.set(newRules);
            List<String> reset = newRules.stream().map(Rule::name).filter(n -> !kept.contains(n)).toList();
            List<String> removed = previous.rules().keySet().stream().filter(n -> !next.rules().containsKey(n)).toList();
            LOG.info("reload: {} rules ({} kept their state, reset: {}, removed: {}){}", newRules.size(), kept.size(),
                    reset, removed, notes.isEmpty() ? "" : "; " + String.join("; ", notes));
            return new Result(true, List.of(), List.copyOf(kept), reset, removed, notes);
        });
    }
}
