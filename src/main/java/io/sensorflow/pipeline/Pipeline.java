package io.sensorflow.pipeline;

import io.sensorflow.action.Action;
import io.sensorflow.config.PipelineConfig;
import io.sensorflow.config.StoreConfig;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.RateLimitedLog;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The wiring, and nothing else:
 * <pre>
 * sources ─ merge ─ decode ─┬─ batch ─ store (blocking dispatcher) ─ ack
 *                           └─ readings ─ rules ─ actions
 * </pre>
 * Both branches backpressure the sources; every buffer is bounded. A message is acknowledged only after everything
 * decoded from it is committed.
 */
public final class Pipeline {

    private static final Object TICK = new Object();

    private final ActorSystem system;
    private final List<SensorSource> sources;
    private final RuleEngine engine;
    private final Map<String, Action> actions;
    private final PipelineConfig config;
    private final StoreConfig storeConfig;
    private final Executor blocking;
    private final Decoder decoder;
    private final StoreWriter storeWriter;
    private final ActionRunner actionRunner;
    private final RateLimitedLog ackFailures = new RateLimitedLog(LoggerFactory.getLogger(Pipeline.class));

    public Pipeline(ActorSystem system, List<SensorSource> sources, ReadingStore store, RuleEngine engine,
                    Map<String, Action> actions, PipelineConfig config, StoreConfig storeConfig,
                    Metrics metrics, Clock clock, Executor blocking) {
        this.system = system;
        this.sources = List.copyOf(sources);
        this.engine = engine;
        this.actions = actions;
        this.config = config;
        this.storeConfig = storeConfig;
        this.blocking = blocking;
        this.decoder = new Decoder(metrics, config.maxFutureSkew());
        this.storeWriter = new StoreWriter(store, metrics);
        this.actionRunner = new ActionRunner(store, metrics, clock, blocking);
    }

    /** Starts the stream; the stage completes when intake has stopped and everything in flight is stored and acked. */
    public CompletionStage<Done> run() {
        Source<Incoming, NotUsed> merged = Source.from(sources)
                .flatMapMerge(Math.max(1, sources.size()), SensorSource::incoming);
        Pair<CompletionStage<Done>, CompletionStage<Done>> done = merged
                .map(decoder::decode)
                // Async boundaries: intake and decoding, storing and acking, and rule evaluation each run on their
                // own actor, so they use separate cores instead of sharing one fused stage.
                .async()
                .alsoToMat(rulesBranch().async(), Keep.right())
                .via(storeBranch())
                .toMat(Sink.ignore(), Keep.both())
                .run(system);
        return done.first().thenCombine(done.second(), (a, b) -> Done.getInstance());
    }

    private Flow<Envelope, Envelope, NotUsed> storeBranch() {
        return Flow.<Envelope>create()
                .groupedWeightedWithin(storeConfig.batchSize(), envelope -> (long) Math.max(1, envelope.readings().size()),
                        storeConfig.batchMaxDelay())
                .mapAsync(1, batch -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return storeWriter.write(batch);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CompletionException(e);
                    }
                }, blocking))
                .mapConcat(batch -> {
                    for (Envelope envelope : batch) {
                        acknowledge(envelope);
                    }
                    return batch;
                });
    }

    /**
     * The readings are committed; a failed acknowledgement only means the origin will deliver the message again,
     * which the idempotent store absorbs. It must never end the stream.
     */
    private void acknowledge(Envelope envelope) {
        try {
            envelope.ack().acknowledge();
        } catch (RuntimeException e) {
            ackFailures.warn("ack", "acknowledging a stored message failed, it will be redelivered: {}", e.toString());
        }
    }

    private Sink<Envelope, CompletionStage<Done>> rulesBranch() {
        return Flow.<Envelope>create()
                .mapConcat(Envelope::readings)
                // Decouples rule evaluation from the store's batch rhythm; full means backpressure, never dropping.
                .buffer(config.buffer(), OverflowStrategy.backpressure())
                .<Object>map(reading -> reading)
                // The clock's turns, interleaved with readings in the one stage that owns the engine. Eager
                // completion: when intake ends, the ticks must not keep the stream alive.
                .merge(Source.tick(config.tickInterval(), config.tickInterval(), TICK), true)
                .mapConcat(item -> item == TICK ? engine.onTick() : engine.onReading((Reading) item))
                .mapConcat(this::actionsFor)
                .mapAsyncUnordered(config.actionParallelism(), pair -> actionRunner.run(pair.first(), pair.second()))
                .toMat(Sink.ignore(), Keep.right());
    }

    private List<Pair<Action, AlertEvent>> actionsFor(AlertEvent event) {
        List<Pair<Action, AlertEvent>> result = new ArrayList<>(event.actions().size());
        for (String name : event.actions()) {
            result.add(Pair.create(actions.get(name), event));
        }
        return result;
    }

    /** Stops intake on every source; the stage returned by {@link #run()} completes once in-flight work is done. */
    public void stopIntake() {
        sources.forEach(SensorSource::stopIntake);
    }

    /** After the drain deadline: stop retrying the store so the stream can end; unacked messages are redelivered. */
    public void abandonRetries() {
        storeWriter.stopRetrying();
    }
}
