package io.sensorflow.jmh;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicPattern;
import io.sensorflow.pipeline.ActionBreakers;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.pipeline.Pipeline;
import io.sensorflow.pipeline.PipelineConfig;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.ReadingLimits;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's whole reading path in one process, without the broker: MQTT-shaped messages (topic and JSON payload)
 * through the pipeline's groups of messages, decoding, the end-to-end benchmark's 100 rules, the commit to SQLite
 * and the acknowledgement. One invocation is 20,000 messages of 10,000 sensors, each acknowledged after its commit;
 * the score is per message.
 */
@State(Scope.Benchmark)
public class PipelineBenchmark {

    private static final int MESSAGES = 20_000;
    private static final int SENSORS = 10_000;

    private ActorSystem system;
    private ExecutorService blocking;
    private ReadingStore store;
    private RuleEngine engine;
    private Metrics metrics;
    private Path dir;
    private final TopicPattern pattern = TopicPattern.parse("sensors/{sensor}/{metric}").pattern();
    private final PayloadCodec codec = io.sensorflow.codec.JsonCodec.FORMAT.codec(
            new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty()));
    private final AtomicLong acknowledged = new AtomicLong();
    /** Event time moves on with every invocation, so that no reading is a duplicate of an earlier one. */
    private long clock = System.currentTimeMillis() - Duration.ofDays(1).toMillis();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("pipeline-bench");
        system = ActorSystem.create("pipeline-bench", ConfigFactory.parseString(
                "pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING\n"
                        // The JMH class path has the test scope, with pekko-stream-testkit 1.2.1 (pom.xml).
                        + "pekko.fail-mixed-versions = off"));
        blocking = Executors.newFixedThreadPool(4);
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("bench.db").toString()));
        metrics = new Metrics();
        engine = RuleEngineBenchmark.harnessEngine(metrics);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        store.close();
        blocking.shutdown();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public long messagesThroughThePipeline() throws Exception {
        long start = clock;
        clock += MESSAGES;
        Source<Incoming, NotUsed> messages = Source.range(0, MESSAGES - 1).map(i -> {
            String topic = "sensors/s-" + String.format("%05d", i % SENSORS) + "/temperature";
            byte[] payload = ("{\"value\":" + (i % 7 == 0 ? 31.5 : 22.5) + ",\"ts\":" + (start + i) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Incoming("bench", payload, start + i, codec, pattern.match(topic).orElseThrow(),
                    acknowledged::incrementAndGet);
        });
        PipelineConfig settings = new PipelineConfig(64, 32, Duration.ofSeconds(5), Duration.ofDays(36_500),
                Duration.ZERO, 1 << 20, Duration.ofMillis(500), Duration.ofSeconds(5),
                new PipelineConfig.ActionRetry(3, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1)),
                new PipelineConfig.ActionBreaker(5, Duration.ofSeconds(30)), ReadingLimits.LENIENT, 100_000, "");
        // Each pipeline registers its gauges: a registry of its own per run.
        Metrics metrics = new Metrics();
        Pipeline pipeline = new Pipeline(system, List.of(new Once(messages)), store, engine, Map.of(), Map.of(),
                settings, StoreConfig.sqlite(dir.resolve("bench.db").toString()),
                new Decoder(metrics, Duration.ofDays(36_500), Duration.ofDays(36_500), 1 << 20), metrics,
                Clock.systemUTC(), blocking, new LiveFeed(metrics, Duration.ofMillis(500), 100),
                new ActionBreakers(system.scheduler(), settings.actionBreaker(), metrics));
        pipeline.run().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return acknowledged.get();
    }

    /** A source of one run's messages. */
    private record Once(Source<Incoming, NotUsed> messages) implements SensorSource {
        @Override
        public Source<Incoming, NotUsed> incoming() {
            return messages;
        }

        @Override
        public String name() {
            return "bench";
        }

        @Override
        public Readiness readiness() {
            return Readiness.ready("source bench");
        }

        @Override
        public void stopIntake() {
        }
    }
}
