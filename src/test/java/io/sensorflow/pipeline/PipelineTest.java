package io.sensorflow.pipeline;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.action.Action;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.ReadingLimits;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import io.sensorflow.testing.GatedStore;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pipeline on its own, fed through Pekko's stream testkit, over a real SQLite store whose commits the test holds
 * back or makes fail: what is acknowledged, and when, and how a reload swaps the rules.
 */
class PipelineTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private ActorSystem system;
    private ExecutorService blocking;
    private GatedStore store;
    private TestPublisher.Probe<Incoming> messages;
    private final Queue<AlertEvent> executed = new ConcurrentLinkedQueue<>();
    private final Queue<String> acked = new ConcurrentLinkedQueue<>();
    private final LiveFeed feed = new LiveFeed(new Metrics(), Duration.ofMillis(500), 10_000);
    private Pipeline pipeline;
    private CompletionStage<Done> done;

    @BeforeEach
    void start() {
        // pekko-stream-testkit 1.7.0 is not served here; 1.2.1 runs on Pekko 1.7 (binary compatible within 1.x).
        system = ActorSystem.create("pipeline-test", ConfigFactory.parseString("pekko.fail-mixed-versions = off"));
        blocking = Executors.newFixedThreadPool(2);
        store = new GatedStore(SqliteStore.open(StoreConfig.sqlite(dir.resolve("pipeline.db").toString())));
        messages = TestPublisher.probe(0, system);
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            store.open();
            pipeline.stopIntake();
            done.toCompletableFuture().exceptionally(e -> Done.getInstance()).orTimeout(30, TimeUnit.SECONDS).join();
        }
        store.close();
        feed.close();
        blocking.shutdownNow();
        system.terminate();
    }

    private static SensorflowConfig rules(String rules) {
        return ConfigLoader.bind(ConfigFactory.parseString("sensorflow { sources.probe { type = simulator }, "
                + "actions.record { type = log }, rules { " + rules + " } }"));
    }

    private void run(SensorflowConfig config) {
        Metrics metrics = new Metrics();
        RuleEngine engine = new RuleEngine(List.copyOf(config.rules().values()), Clock.systemUTC(), new AlertBoard(),
                metrics);
        PipelineConfig settings = new PipelineConfig(4, 4, Duration.ofSeconds(5), Duration.ofHours(1), Duration.ZERO,
                1 << 20, Duration.ofMillis(50), Duration.ofSeconds(5), new PipelineConfig.ActionRetry(3,
                Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1)),
                new PipelineConfig.ActionBreaker(5, Duration.ofSeconds(30)), ReadingLimits.LENIENT, 100_000, "");
        pipeline = new Pipeline(system, List.of(new ProbeSource()), store, engine, Map.of("record", recorder()),
                Map.of(), settings, StoreConfig.sqlite("unused"), new Decoder(metrics, Duration.ofHours(1),
                Duration.ZERO, 1 << 20), metrics, Clock.systemUTC(), blocking, feed,
                new ActionBreakers(system.scheduler(), settings.actionBreaker(), metrics));
        done = pipeline.run();
    }

    private Action recorder() {
        return new Action() {
            @Override
            public String name() {
                return "record";
            }

            @Override
            public CompletionStage<Void> execute(AlertEvent event) {
                executed.add(event);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    /** One message with one reading; its acknowledgement notes the message and how many readings were stored. */
    private void send(String id, String sensor, double value, long ts) {
        Reading reading = new Reading(sensor, "temperature", value, ts, "probe");
        Envelope envelope = Envelope.of(List.of(reading), () -> acked.add(id + " after " + store.countReadings()));
        messages.sendNext(Incoming.decoded("probe", ts, TopicMatch.none("t"), envelope));
    }

    @Test
    void aMessageIsAcknowledgedOnlyOnceItsReadingIsCommitted() {
        run(rules("hot { when = \"value > 30.0\", actions = [record] }"));
        store.hold();
        send("m1", "lab-1", 35, 1_000);
        await().atMost(WAIT).until(() -> store.attempts() >= 1);
        assertThat(acked).as("held commit, no ack").isEmpty();
        assertThat(executed).as("no action for an uncommitted transition").isEmpty();

        store.open();
        await().atMost(WAIT).until(() -> acked.size() == 1);
        assertThat(acked).containsExactly("m1 after 1");
        await().atMost(WAIT).until(() -> executed.size() == 1);
        assertThat(executed.peek().state()).isEqualTo(AlertState.FIRING);
    }

    @Test
    void aFailedCommitAcknowledgesNothingAndIsRetriedUntilTheStoreTakesIt() {
        run(rules("hot { when = \"value > 30.0\", actions = [record] }"));
        store.failNext(3);
        send("m1", "lab-1", 35, 1_000);
        await().atMost(WAIT).until(() -> store.failed() == 3);
        await().atMost(WAIT).until(() -> acked.size() == 1);
        assertThat(acked).as("acknowledged once, after the commit that worked").containsExactly("m1 after 1");
        assertThat(store.attempts()).isEqualTo(4);
        await().atMost(WAIT).until(() -> executed.size() == 1);
    }

    @Test
    void whenTheDaemonStopsRetryingTheMessageStaysUnacknowledged() {
        run(rules("hot { when = \"value > 30.0\", actions = [record] }"));
        store.failNext(Integer.MAX_VALUE);
        send("m1", "lab-1", 35, 1_000);
        await().atMost(WAIT).until(() -> store.failed() >= 2);
        pipeline.abandonRetries();
        await().atMost(WAIT).until(() -> done.toCompletableFuture().isDone());
        assertThat(done.toCompletableFuture()).isCompletedExceptionally();
        assertThat(acked).as("the broker will deliver it again").isEmpty();
        assertThat(executed).isEmpty();
        pipeline = null;
    }

    @Test
    void aReloadSwapsTheRulesBetweenTwoMessagesAndKeepsTheStateOfAnUnchangedRule() {
        run(rules("hot { when = \"value > 30.0\", actions = [record] }"));
        send("m1", "lab-1", 35, 1_000);
        await().atMost(WAIT).until(() -> executed.size() == 1);
        AlertEvent firing = executed.poll();

        SensorflowConfig next = rules("hot { when = \"value > 40.0\", actions = [record] }, "
                + "cold { when = \"value < 25.0\", actions = [record] }");
        List<String> kept = pipeline.reload(List.copyOf(next.rules().values()), Map.of("record", recorder()), Map.of())
                .toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(kept).containsExactly("hot");

        send("m2", "lab-1", 20, 2_000);
        await().atMost(WAIT).until(() -> executed.size() == 2);
        assertThat(executed).extracting(AlertEvent::rule, AlertEvent::state).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("hot", AlertState.RESOLVED),
                org.assertj.core.groups.Tuple.tuple("cold", AlertState.FIRING));
        AlertEvent resolved = executed.stream().filter(e -> e.rule().equals("hot")).findFirst().orElseThrow();
        assertThat(resolved.id()).as("the same episode, carried over the reload").isEqualTo(firing.id());
        await().atMost(WAIT).until(() -> acked.size() == 2);
    }

    /** A source whose messages the test sends through a testkit probe, honouring the stream's demand. */
    private final class ProbeSource implements SensorSource {

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public Source<Incoming, NotUsed> incoming() {
            return Source.fromPublisher(messages);
        }

        @Override
        public Readiness readiness() {
            return Readiness.ready("probe");
        }

        @Override
        public void stopIntake() {
            messages.sendComplete();
        }

        @Override
        public CompletionStage<Done> stop() {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
    }
}
