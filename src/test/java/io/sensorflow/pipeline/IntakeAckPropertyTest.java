package io.sensorflow.pipeline;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.codec.CanonicalCodec;
import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.DeadLetter;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.source.Decoder;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.ReadingLimits;
import io.sensorflow.source.SensorSource;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoredDeadLetter;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import io.sensorflow.testing.GatedStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 8 of the reliability suite: intake acknowledgement as a property. Messages that store, that fail to decode
 * and that the database refuses are delivered, redelivered, held up by failing commits and cut off by crashes, in
 * whatever order jqwik draws; a crash ends the stream and the store abruptly, and, as a broker would, everything not
 * acknowledged is delivered again to a new pipeline on the same database. Whatever the order: no acknowledgement
 * comes before what the message became is committed, every message ends stored or dead-lettered, and no reading is
 * stored twice. The real pipeline, decoder and SQLite store; a refusal is made by the database (a trigger).
 *
 * <p>{@code -Djqwik.tries.default=N} runs more orders than the default (the soak profile does).
 */
class IntakeAckPropertyTest {

    private static final long BASE = 1_700_000_000_000L;
    private static final Duration WAIT = Duration.ofSeconds(30);

    enum Kind { GOOD, MALFORMED, REFUSED }

    sealed interface Step permits Deliver, Redeliver, FailCommits, Crash {
    }

    record Deliver(Kind kind) implements Step {
    }

    /** Delivers one earlier message again, whether or not it was acknowledged (the broker may). */
    record Redeliver(int pick) implements Step {
    }

    /** The next commits fail as a lost connection would: transient, retried. */
    record FailCommits(int count) implements Step {
    }

    record Crash() implements Step {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(Kind.class).map(Deliver::new)),
                Tuple.of(2, Arbitraries.integers().between(0, 1_000).map(Redeliver::new)),
                Tuple.of(1, Arbitraries.integers().between(1, 3).map(FailCommits::new)),
                Tuple.of(1, Arbitraries.just(new Crash())));
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    void noAckBeforeItsCommitEveryMessageStoredOrDeadLetteredNothingTwice(@ForAll("steps") List<Step> steps)
            throws Exception {
        Path dir = Files.createTempDirectory("intake-property");
        Run run = new Run(dir.resolve("p.db"));
        try {
            run.start();
            for (Step step : steps) {
                run.apply(step);
            }
            run.finish();
        } finally {
            run.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One drawn order played out: the broker's view (what was sent, what is acknowledged) and one daemon at a time. */
    private static final class Run {
        private final Path db;
        private final List<Kind> messages = new ArrayList<>();
        private final Map<Integer, Boolean> acked = new ConcurrentHashMap<>();
        private final Queue<String> violations = new ConcurrentLinkedQueue<>();
        private final PayloadCodec codec = CanonicalCodec.FORMAT.codec(PayloadMapping.defaults());
        private Daemon daemon;

        Run(Path db) {
            this.db = db;
        }

        void start() throws SQLException {
            daemon = new Daemon(db);
        }

        void apply(Step step) throws Exception {
            if (step instanceof Deliver d) {
                messages.add(d.kind());
                deliver(messages.size() - 1);
            } else if (step instanceof Redeliver r) {
                if (!messages.isEmpty()) {
                    deliver(r.pick() % messages.size());
                }
            } else if (step instanceof FailCommits f) {
                daemon.store.failNext(f.count());
            } else {
                daemon.crash();
                start();
                redeliverUnacknowledged();
            }
        }

        /** The broker's reconnect: everything not acknowledged comes again, oldest first. */
        private void redeliverUnacknowledged() {
            for (int id = 0; id < messages.size(); id++) {
                if (!acked.containsKey(id)) {
                    deliver(id);
                }
            }
        }

        private void deliver(int id) {
            Kind kind = messages.get(id);
            String json = switch (kind) {
                case GOOD -> "{\"sensor\": \"s" + (id % 3) + "\", \"metric\": \"m\", \"value\": " + id
                        + ", \"timestamp\": " + (BASE + id) + "}";
                case MALFORMED -> "{\"sensor\": \"m-" + id + "\", \"value\": ";
                case REFUSED -> "{\"sensor\": \"bad-" + id + "\", \"metric\": \"m\", \"value\": 1, \"timestamp\": "
                        + (BASE + id) + "}";
            };
            Daemon current = daemon;
            AtomicBoolean once = new AtomicBoolean();
            Incoming incoming = new Incoming("probe", json.getBytes(StandardCharsets.UTF_8), BASE + id, codec,
                    TopicMatch.none("t"), () -> {
                        if (!current.alive.get()) {
                            return; // the process is gone: its acknowledgement never reaches the broker
                        }
                        if (!once.compareAndSet(false, true)) {
                            violations.add("message " + id + " acknowledged twice for one delivery");
                        }
                        if (!committed(current, id, kind)) {
                            violations.add("message " + id + " (" + kind + ") acknowledged before its commit");
                        }
                        acked.put(id, true);
                    });
            current.offer(incoming);
        }

        /** Whether what the message becomes is in the store now, as a reader of it sees it. */
        private boolean committed(Daemon current, int id, Kind kind) {
            return switch (kind) {
                case GOOD -> !current.store.readings("s" + (id % 3), "m", BASE + id, BASE + id + 1, 1).isEmpty();
                case MALFORMED -> letter(current, "malformed-json", "\"m-" + id + "\"") != null;
                case REFUSED -> letter(current, "store-refused", "bad-" + id + " ") != null;
            };
        }

        private static DeadLetter letter(Daemon current, String reason, String marker) {
            for (StoredDeadLetter stored : current.store.deadLetters(0, Long.MAX_VALUE, null, reason, Long.MAX_VALUE,
                    1_000)) {
                if (new String(stored.letter().payload(), StandardCharsets.UTF_8).contains(marker)) {
                    return stored.letter();
                }
            }
            return null;
        }

        void finish() throws Exception {
            redeliverUnacknowledged();
            await().atMost(WAIT).until(() -> acked.size() == messages.size());
            assertThat(violations).isEmpty();
            long good = messages.stream().filter(k -> k == Kind.GOOD).count();
            for (int id = 0; id < messages.size(); id++) {
                assertThat(committed(daemon, id, messages.get(id))).as("message " + id + " " + messages.get(id))
                        .isTrue();
            }
            daemon.crash();
            // Nothing twice: one row per good message, whatever was redelivered, whichever commit got through.
            assertThat(count("SELECT count(*) FROM readings_all")).isEqualTo(good);
            assertThat(count("SELECT count(*) FROM (SELECT series, ts FROM readings_all GROUP BY series, ts "
                    + "HAVING count(*) > 1)")).isZero();
        }

        private long count(String sql) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 ResultSet rs = c.createStatement().executeQuery(sql)) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }

        void close() {
            if (daemon != null) {
                daemon.crash();
            }
        }
    }

    /** One daemon's life: an actor system, the store, the pipeline, and the source the broker's deliveries enter. */
    private static final class Daemon {
        final AtomicBoolean alive = new AtomicBoolean(true);
        final GatedStore store;
        private final ActorSystem system;
        private final ExecutorService blocking = Executors.newFixedThreadPool(2);
        private final SourceQueueWithComplete<Incoming> queue;
        private final List<CompletionStage<?>> offers = new ArrayList<>();

        Daemon(Path db) throws SQLException {
            system = ActorSystem.create("intake-property", ConfigFactory.parseString(
                    "pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING"));
            store = new GatedStore(SqliteStore.open(StoreConfig.sqlite(db.toString())));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement s = c.createStatement()) {
                s.execute("CREATE TRIGGER IF NOT EXISTS no_bad BEFORE INSERT ON series WHEN NEW.sensor LIKE 'bad-%' "
                        + "BEGIN SELECT RAISE(ABORT, 'no bad sensors'); END");
            }
            Pair<SourceQueueWithComplete<Incoming>, Source<Incoming, NotUsed>> source =
                    Source.<Incoming>queue(1_000, OverflowStrategy.backpressure()).preMaterialize(system);
            queue = source.first();
            Metrics metrics = new Metrics();
            RuleEngine engine = new RuleEngine(List.of(), Clock.systemUTC(), new AlertBoard(), metrics);
            PipelineConfig settings = new PipelineConfig(4, 4, Duration.ofSeconds(5), Duration.ofDays(36_500),
                    Duration.ZERO, 1 << 20, Duration.ofMillis(200), Duration.ofSeconds(5),
                    new PipelineConfig.ActionRetry(3, Duration.ofMillis(50), Duration.ofMillis(200),
                            Duration.ofHours(1)), new PipelineConfig.ActionBreaker(5, Duration.ofSeconds(30)),
                    ReadingLimits.LENIENT, 100_000, "");
            Pipeline pipeline = new Pipeline(system, List.of(new QueueSource(source.second())), store, engine,
                    Map.of(), Map.of(), settings, StoreConfig.sqlite(db.toString()), new Decoder(metrics,
                    Duration.ofDays(36_500), Duration.ZERO, 1 << 20), metrics, Clock.systemUTC(), blocking,
                    new LiveFeed(metrics, Duration.ofMillis(500), 100), new ActionBreakers(system.scheduler(),
                    settings.actionBreaker(), metrics));
            pipeline.run();
        }

        /** Hands a delivery to the stream; the queue takes one offer at a time, as a subscriber's demand would. */
        void offer(Incoming incoming) {
            if (!offers.isEmpty()) {
                offers.get(offers.size() - 1).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
            }
            offers.add(queue.offer(incoming));
        }

        /** The process dies: no more acknowledgements, no graceful drain; a commit already running may land. */
        void crash() {
            if (!alive.getAndSet(false)) {
                return;
            }
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
            blocking.shutdownNow();
            try {
                blocking.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            store.open();
            store.close();
        }
    }

    private record QueueSource(Source<Incoming, NotUsed> source) implements SensorSource {

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public Source<Incoming, NotUsed> incoming() {
            return source;
        }

        @Override
        public Readiness readiness() {
            return Readiness.ready("probe");
        }

        @Override
        public void stopIntake() {
        }

        @Override
        public CompletionStage<Done> stop() {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
    }
}
