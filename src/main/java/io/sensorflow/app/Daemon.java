package io.sensorflow.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sensorflow.action.Action;
import io.sensorflow.action.ActionContext;
import io.sensorflow.cluster.ClusterConfig;
import io.sensorflow.cluster.ClusterNode;
import io.sensorflow.cluster.LiveRelay;
import io.sensorflow.cluster.ShardedRules;
import io.sensorflow.config.Durations;
import io.sensorflow.http.HttpApi;
import io.sensorflow.http.RuleSet;
import io.sensorflow.pipeline.ActionBreakers;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.pipeline.Pipeline;
import io.sensorflow.pipeline.PipelineConfig;
import io.sensorflow.pipeline.RulePartition;
import io.sensorflow.rule.Acknowledgements;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.Groups;
import io.sensorflow.rule.Inhibitions;
import io.sensorflow.rule.Rule;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.rule.Silences;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running sensorflow: store, sources, rules, actions, pipeline and HTTP, with an orderly stop through Pekko's
 * coordinated shutdown: unbind HTTP, stop intake, drain and ack what is in flight, disconnect, close the store.
 */
public final class Daemon {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** The Pekko dispatcher for blocking JDBC calls, defined in reference.conf. */
    public static final String BLOCKING_DISPATCHER = "sensorflow-blocking-dispatcher";
    /** How often a node of a cluster reads silences and acknowledgements that other nodes may have made. */
    private static final Duration CLUSTER_REFRESH = Duration.ofSeconds(2);
    /** At most this long for sources to hand their share of a feed over at a stop; within the phase's 12 s. */
    private static final Duration HAND_OVER_TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem system;
    private final ReadingStore store;
    private final Metrics metrics;
    private final AlertBoard alerts;
    private final ServerBinding binding;
    private final CompletionStage<Done> pipelineDone;
    private final Reloader reloader;
    private volatile boolean stopping;

    private Daemon(ActorSystem system, ReadingStore store, Metrics metrics, AlertBoard alerts, ServerBinding binding,
                   CompletionStage<Done> pipelineDone, Reloader reloader) {
        this.reloader = reloader;
        this.system = system;
        this.store = store;
        this.metrics = metrics;
        this.alerts = alerts;
        this.binding = binding;
        this.pipelineDone = pipelineDone;
    }

    /** Starts everything; returns once HTTP is listening. Sources connect in the background. */
    public static Daemon start(SensorflowConfig config) {
        return start(config, Clock.systemUTC());
    }

    public static Daemon start(SensorflowConfig config, Clock clock) {
        return start(config, clock, () -> config);
    }

    /**
     * @param reload reads the config again for a reload (SIGHUP, {@code POST /api/v1/admin/reload}); throws
     *               {@link io.sensorflow.config.ConfigException} when it is invalid
     */
    public static Daemon start(SensorflowConfig config, Clock clock, java.util.function.Supplier<SensorflowConfig> reload) {
        Duration drain = config.pipeline().shutdownTimeout();
        Config pekko = ConfigFactory.parseMap(Map.of(
                        "pekko.coordinated-shutdown.phases.service-requests-done.timeout",
                        (drain.toMillis() + 1000) + "ms"))
                .withFallback(config.raw());
        ActorSystem system = ActorSystem.create(ClusterConfig.SYSTEM_NAME, pekko);
        try {
            return start(config, clock, system, reload);
        } catch (RuntimeException e) {
            system.terminate();
            throw e;
        }
    }

    private static Daemon start(SensorflowConfig config, Clock clock, ActorSystem system,
                                java.util.function.Supplier<SensorflowConfig> reload) {
        Executor blocking = system.dispatchers().lookup(BLOCKING_DISPATCHER);
        Metrics metrics = new Metrics().withJvm();
        config.warnings().forEach(warning -> LOG.warn("config: {}", warning));
        // The system joined its seed nodes as it started (the cluster block is in its config); this reads membership.
        Optional<ClusterNode> cluster = config.cluster().map(c -> ClusterNode.join(system, metrics));
        cluster.ifPresent(node -> LOG.info("cluster: this node is {}, joining {}", node.node(),
                config.cluster().get().seedNodes()));
        ReadingStore store = Components.openStore(config.store());
        try {
            return start(config, clock, system, reload, blocking, metrics, store, cluster);
        } catch (RuntimeException | Error e) {
            // Whatever failed after the store opened: its connections, file lock and jobs must not outlive the start.
            try {
                store.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static Daemon start(SensorflowConfig config, Clock clock, ActorSystem system,
                                java.util.function.Supplier<SensorflowConfig> reload, Executor blocking,
                                Metrics metrics, ReadingStore store, Optional<ClusterNode> cluster) {
        metrics.storeJobFailures(store::jobFailures);
        LOG.info("store: {}", store);
        // Every node runs an outbox over the one shared table; claims keep two from running one delivery. The lease
        // outlasts any attempt (each ends by the action timeout), so only a dead node's claims ever run out.
        cluster.ifPresent(node -> store.shareOutbox(node.node(),
                config.pipeline().actionTimeout().multipliedBy(2).plusSeconds(30)));

        // One decode stage for the pipeline and for the sources that decode before they answer (http-push).
        PipelineConfig settings = config.pipeline();
        Decoder decoder = new Decoder(metrics, settings.maxFutureSkew(), settings.maxPastSkew(), settings.maxPayload(),
                settings.limits());
        // The pipeline knows when the store is failing, and is made after the sources: told once it exists.
        AtomicReference<Pipeline> running = new AtomicReference<>();
        // In a cluster, what a source fetches by key (http-poll URLs) goes with the key's shard: fetched by the node
        // that holds it, from the moment the shards run.
        AtomicReference<ShardedRules> sharded = new AtomicReference<>();
        java.util.function.Predicate<String> fetchesHere = cluster.isEmpty() ? key -> true : key -> {
            ShardedRules rules = sharded.get();
            return rules != null && rules.holds(key);
        };
        SourceContext sourceContext = new SourceContext(system, clock, metrics, decoder, () -> {
            Pipeline pipeline = running.get();
            return pipeline == null ? null : pipeline.storeTrouble();
        }, fetchesHere);
        Map<String, SensorSource> sources = new LinkedHashMap<>();
        config.sources().forEach((name, sourceConfig) -> {
            sources.put(name, sourceConfig.create(sourceContext));
            LOG.info("source: {}", sourceConfig);
        });
        // Actions find the connections they publish through by source name, and by what they need of it.
        ActionContext.Connections connections = (action, source, type) ->
                Optional.ofNullable(sources.get(source)).flatMap(s -> s.capability(type));
        ActionContext actionContext = new ActionContext(connections, config.pipeline().actionTimeout());
        Map<String, Action> actions = actionContext.create(config.actions());
        config.actions().forEach((name, actionConfig) ->
                LOG.info("action: {} ({})", name, actionConfig.getClass().getSimpleName().replace("Config", "")));
        for (Rule rule : config.rules().values()) {
            LOG.info("rule: {} ({}) match {} when {} for {} -> {}", rule.name(), rule.type().name(), rule.match(),
                    rule.when() == null ? "silent" : rule.when(), Durations.format(rule.forDuration()),
                    rule.actionNames());
        }

        Reloader reloader = new Reloader(reload, config, connections);
        AlertBoard alerts = new AlertBoard();
        Silences silences = new Silences();
        silences.replace(store.silences(clock.millis()));
        Acknowledgements acknowledgements = new Acknowledgements();
        // Acknowledgements matter while their episode may still repeat; a month covers any sane repeat-every.
        acknowledgements.addAll(store.acknowledgements(clock.millis() - Acknowledgements.KEEP_MILLIS));
        // HTTP first: a port that is taken must fail the start before any source touches its broker session.
        LiveFeed feed = new LiveFeed(metrics, config.http().stream().interval(), config.http().stream().maxSeries());
        ActionBreakers breakers = new ActionBreakers(system.scheduler(), config.pipeline().actionBreaker(), metrics);
        // In a cluster this node's engines hold only its own shards' alerts; the API shows every node's, as stored.
        AtomicReference<List<io.sensorflow.rule.AlertStatus>> clusterAlerts = new AtomicReference<>(List.of());
        AlertBoard shown = cluster.isPresent() ? AlertBoard.showing(clusterAlerts::get) : alerts;
        HttpApi api = new HttpApi(config.http(), store, List.copyOf(sources.values()), shown, silences,
                acknowledgements, reloader, feed, metrics, () -> {
                    List<Readiness> degraded = new ArrayList<>(breakers.degraded());
                    degraded.addAll(decoder.rejecting());
                    return degraded;
                }, cluster);
        ServerBinding binding;
        try {
            binding = api.bind(system, config.http().host(), config.http().port()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            api.close();
            feed.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot listen on " + config.http().host() + ":" + config.http().port()
                    + ": " + cause.getMessage(), e);
        }
        LOG.info("http: listening on http://{}:{}", binding.localAddress().getHostString(), binding.localAddress().getPort());
        LOG.info("http: {}", config.http().auth().describe());

        RuleEngine engine = new RuleEngine(List.copyOf(config.rules().values()), clock, alerts, metrics, silences,
                acknowledgements);
        if (cluster.isEmpty()) {
            resume(engine, store, clock);
        }
        Pipeline pipeline = new Pipeline(system, List.copyOf(sources.values()), store, engine, actions,
                config.actionLimits(), config.pipeline(), config.store(), decoder, metrics, clock, blocking, feed,
                breakers);
        if (cluster.isPresent()) {
            // The node's engine only stands for the rules here: each shard this node owns restores its own part of
            // the state and runs it.
            Inhibitions inhibitions = new Inhibitions();
            sharded.set(ShardedRules.start(system, cluster.get(), pipeline,
                    Groups.of(List.copyOf(config.rules().values())), inhibitions, config.cluster().get().shards(),
                    blocking, clock, config.pipeline().tickInterval()));
            LiveRelay.start(system, cluster.get().node(), feed);
            refreshFromStore(system, store, new Shared(silences, acknowledgements, inhibitions, clusterAlerts,
                    config.rules()),
                    clock, blocking);
        }
        running.set(pipeline);
        reloader.attach(pipeline);
        CompletionStage<Done> pipelineDone = pipeline.run();

        Daemon daemon = new Daemon(system, store, metrics, alerts, binding, pipelineDone, reloader);
        daemon.registerShutdown(pipeline, sources.values(), config.pipeline().shutdownTimeout(), api, feed);
        return daemon;
    }

    /**
     * Gives the rule engine back what the last run committed: alert states, then the windows, baselines and inputs
     * rebuilt from the stored readings. Runs before any reading flows.
     */
    private static void resume(RuleEngine engine, ReadingStore store, Clock clock) {
        long started = System.nanoTime();
        long[] counts = RulePartition.resume(engine, store, clock.millis());
        if (counts[0] > 0 || counts[1] > 0) {
            LOG.info("rules: resumed {} alert states and rebuilt windows from {} stored readings in {} ms", counts[0],
                    counts[1], (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * In a cluster, a silence or an acknowledgement made through another node's API reaches this node's shards from
     * the shared store, and so do the inhibitors that fire in other shards, and every node's alerts this node's API,
     * within {@link #CLUSTER_REFRESH}.
     */
    private static void refreshFromStore(ActorSystem system, ReadingStore store, Shared shared, Clock clock,
                                         Executor blocking) {
        system.scheduler().scheduleWithFixedDelay(Duration.ZERO, CLUSTER_REFRESH, () -> {
            try {
                long now = clock.millis();
                shared.silences().replace(store.silences(now));
                shared.acknowledgements().addAll(store.acknowledgements(now - Acknowledgements.KEEP_MILLIS));
                List<io.sensorflow.rule.AlertStatus> current = new ArrayList<>();
                List<io.sensorflow.model.RuleState> active = store.activeRuleStates();
                shared.inhibitions().replace(active, shared.rules());
                for (io.sensorflow.model.RuleState state : active) {
                    io.sensorflow.rule.AlertStatus status = AlertBoard.status(state, shared.rules());
                    if (status != null) {
                        current.add(status);
                    }
                }
                shared.alerts().set(List.copyOf(current));
            } catch (RuntimeException e) {
                LOG.debug("cluster: could not read silences, acknowledgements and alerts, trying again: {}",
                        e.toString());
            }
        }, scala.concurrent.ExecutionContext.fromExecutor(blocking));
    }

    /** What every node of a cluster reads from the shared store, for its API and its shards. */
    private record Shared(Silences silences, Acknowledgements acknowledgements, Inhibitions inhibitions,
                          AtomicReference<List<io.sensorflow.rule.AlertStatus>> alerts, Map<String, Rule> rules) {
    }

    private void registerShutdown(Pipeline pipeline, java.util.Collection<SensorSource> sources, Duration drainTimeout,
                                  HttpApi api, LiveFeed feed) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        // First, while intake still runs: sources that share a feed with other nodes give up their share and take in
        // what was sent to them, so that nothing waits in this node's session for a return that may never come.
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "hand-over-sources", () -> {
            if (failed() || pipelineDone.toCompletableFuture().isDone()) {
                // Nothing would take in what comes: the pipeline is gone, or the cluster it routes to.
                return CompletableFuture.completedFuture(Done.getInstance());
            }
            List<CompletableFuture<Done>> handOvers = new ArrayList<>();
            for (SensorSource source : sources) {
                handOvers.add(source.handOver(HAND_OVER_TIMEOUT).toCompletableFuture());
            }
            return CompletableFuture.allOf(handOvers.toArray(CompletableFuture[]::new))
                    .thenApply(v -> Done.getInstance());
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "http-unbind", () -> {
            stopping = true;
            return binding.unbind();
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain-pipeline", () -> {
            stopping = true;
            pipeline.stopIntake();
            return pipelineDone.toCompletableFuture()
                    .orTimeout(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((done, error) -> {
                        if (error instanceof TimeoutException) {
                            pipeline.abandonRetries();
                            LOG.warn("shutdown: in-flight readings did not drain within {}; unacknowledged messages "
                                    + "will be redelivered by the broker", Durations.format(drainTimeout));
                        } else if (error != null) {
                            LOG.warn("shutdown: pipeline ended with an error: {}", error.toString());
                        } else {
                            LOG.info("shutdown: pipeline drained");
                        }
                        return Done.getInstance();
                    });
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "disconnect-sources", () -> {
            List<CompletableFuture<Done>> stops = new ArrayList<>();
            for (SensorSource source : sources) {
                stops.add(source.stop().toCompletableFuture());
            }
            return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
        });
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "close-store", () -> {
            api.close();
            feed.close();
            store.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        pipelineDone.whenComplete((done, error) -> {
            if (!stopping) {
                // The sources never end on their own; if the stream does, something is badly wrong. Stop, so that a
                // supervisor restarts us and the broker redelivers whatever was not acknowledged.
                LOG.error("pipeline stopped unexpectedly; shutting down", error);
                shutdown.runAll(PipelineFailed.INSTANCE);
            }
        });
    }

    /** Reloads rules and actions from the config; see {@link Reloader}. */
    public CompletionStage<RuleSet.Reload> reload() {
        return reloader.reload();
    }

    /** Stops the daemon in order; completes when everything is closed. */
    public CompletionStage<Done> stop() {
        stopping = true;
        return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    }

    /** Completes when the daemon has fully stopped, for whatever reason. */
    public CompletionStage<Done> whenStopped() {
        return system.getWhenTerminated().thenApply(t -> Done.getInstance());
    }

    /**
     * Whether the daemon stopped on its own, not because it was asked to: its pipeline failed, or its cluster downed
     * it (the minority side of a partition, or unreachable too long). Either way a supervisor should start it again;
     * a restarted node joins the cluster anew.
     */
    public boolean failed() {
        return CoordinatedShutdown.get(system).getShutdownReason()
                .map(reason -> reason == PipelineFailed.INSTANCE
                        || reason == CoordinatedShutdown.clusterDowningReason()
                        || reason == CoordinatedShutdown.clusterJoinUnsuccessfulReason()).orElse(false);
    }

    public int httpPort() {
        return binding.localAddress().getPort();
    }

    private static final class PipelineFailed implements CoordinatedShutdown.Reason {
        static final PipelineFailed INSTANCE = new PipelineFailed();
    }
}
