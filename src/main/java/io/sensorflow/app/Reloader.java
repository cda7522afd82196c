package io.sensorflow.app;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionContext;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import io.sensorflow.http.RuleSet;
import io.sensorflow.pipeline.Pipeline;
import io.sensorflow.rule.Rule;
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
public final class Reloader implements RuleSet {

    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);
    private static final List<String> RESTART_ONLY = List.of("sources", "store", "http", "pipeline", "shutdown-timeout");

    private final Supplier<SensorflowConfig> source;
    private final ActionContext.Connections connections;
    private final AtomicReference<SensorflowConfig> current;
    private final AtomicReference<List<Rule>> rules;
    private volatile Pipeline pipeline;

    Reloader(Supplier<SensorflowConfig> source, SensorflowConfig initial, ActionContext.Connections connections) {
        this.source = source;
        this.connections = connections;
        this.current = new AtomicReference<>(initial);
        this.rules = new AtomicReference<>(List.copyOf(initial.rules().values()));
    }

    private final java.util.concurrent.ExecutorService compiling = java.util.concurrent.Executors
            .newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "sensorflow-reload");
                thread.setDaemon(true);
                return thread;
            });

    void attach(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public List<Rule> rules() {
        return rules.get();
    }

    /**
     * Reads and compiles the new config off the caller's thread (an HTTP request's, which must not spend seconds
     * parsing and compiling CEL), one reload at a time, on a thread of its own.
     */
    @Override
    public CompletionStage<Reload> reload() {
        return CompletableFuture.supplyAsync(this::prepare, compiling).thenCompose(next -> next)
                .whenComplete((done, error) -> {
                    if (error != null) {
                        // A SIGHUP has no one to answer: whatever went wrong must reach the log.
                        LOG.error("reload: failed, the current rules keep running: {}", error.toString(), error);
                    }
                });
    }

    private CompletionStage<Reload> prepare() {
        if (pipeline.routed()) {
            // Every shard of every node would have to swap its rules at one point of the stream; not done yet.
            ConfigProblem problem = new ConfigProblem("-", 0, "sensorflow.cluster", "a reload is not available in a "
                    + "cluster yet; restart the nodes one at a time, each takes the new rules (docs/scaling.md)");
            LOG.warn("reload: rejected: {}", problem.message());
            return CompletableFuture.completedFuture(Reload.failed(List.of(problem)));
        }
        SensorflowConfig next;
        try {
            next = source.get();
        } catch (ConfigException e) {
            LOG.warn("reload: rejected, the config has {} problem(s); the current rules keep running:\n{}",
                    e.problems().size(), e.getMessage());
            return CompletableFuture.completedFuture(Reload.failed(e.problems()));
        }
        Map<String, Action> actions;
        try {
            actions = new ActionContext(connections, next.pipeline().actionTimeout()).create(next.actions());
        } catch (IllegalStateException e) {
            ConfigProblem problem = new ConfigProblem("-", 0, "sensorflow.actions", e.getMessage()
                    + " (new sources start only with a restart)");
            LOG.warn("reload: rejected: {}", problem.message());
            return CompletableFuture.completedFuture(Reload.failed(List.of(problem)));
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
        return pipeline.reload(newRules, actions, next.actionLimits()).thenApply(kept -> {
            current.set(next);
            rules.set(newRules);
            List<String> reset = newRules.stream().map(Rule::name).filter(n -> !kept.contains(n)).toList();
            List<String> removed = previous.rules().keySet().stream().filter(n -> !next.rules().containsKey(n)).toList();
            LOG.info("reload: {} rules ({} kept their state, reset: {}, removed: {}){}", newRules.size(), kept.size(),
                    reset, removed, notes.isEmpty() ? "" : "; " + String.join("; ", notes));
            return new Reload(true, List.of(), List.copyOf(kept), reset, removed, notes);
        });
    }
}
