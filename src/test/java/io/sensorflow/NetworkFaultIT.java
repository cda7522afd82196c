package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.FaultProxy;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 3 of the reliability suite: the link between the daemon and its broker flaps (cut) and then goes half-open
 * (nothing passes, nothing is closed), under a steady QoS 1 load with a sequence number per reading. The daemon must
 * notice the dead link by its keep-alive, reconnect, resume its session, and store every reading the broker
 * accepted exactly once.
 */
class NetworkFaultIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final int SENSORS = 20;
    private static final int PER_SECOND = 200;
    private static final int SECONDS = 12;
    private static final int TOTAL = PER_SECOND * SECONDS;
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(4);

    @Test
    void aFlapAndAHalfOpenLinkLoseNothingAndTheDeadLinkIsFoundByItsKeepAlive(TestConfig test) throws Exception {
        try (FaultProxy proxy = new FaultProxy(DAEMONS.broker().port())) {
            TestConfig config = test.named("network-it").with("""
                    sources.plant {
                      url = "%s"
                      keep-alive = %ds
                      reconnect { min-backoff = 100ms, max-backoff = 1s }
                    }
                    """.formatted(proxy.url(), KEEP_ALIVE.toSeconds()));
            Path db = config.db();
            DAEMONS.start(config);
            long t0 = System.currentTimeMillis() - 600_000;
            long started = System.nanoTime();
            CompletableFuture<Void> load;
            try (TestMqttClient sensors = new TestMqttClient(DAEMONS.broker())) {
                load = CompletableFuture.runAsync(() -> {
                    for (int seq = 0; seq < TOTAL; seq++) {
                        long due = started + seq * 1_000_000_000L / PER_SECOND;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            try {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                        sensors.publish("sensors/s" + (seq % SENSORS) + "/temperature",
                                "{\"value\": " + seq + ", \"ts\": " + (t0 + seq) + "}");
                    }
                });
                sleepUntil(started, Duration.ofSeconds(2));
                long connectionsBefore = proxy.connections();
                proxy.cut();
                await("reconnected after the flap").atMost(Duration.ofSeconds(5))
                        .until(() -> proxy.connections() > connectionsBefore);

                sleepUntil(started, Duration.ofSeconds(5));
                long stalled = System.nanoTime();
                proxy.stall();
                await("the daemon gives the dead link up").atMost(KEEP_ALIVE.multipliedBy(4))
                        .until(() -> proxy.clientClosedAt() != 0);
                long detectedMillis = (proxy.clientClosedAt() - stalled) / 1_000_000;
                proxy.heal();
                load.get(60, TimeUnit.SECONDS);

                await("every reading stored").atMost(Duration.ofSeconds(30))
                        .until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == TOTAL);
                long flowing = (System.nanoTime() - stalled) / 1_000_000;
                System.out.printf("NetworkFaultIT: %d readings at %d/s, a cut at 2 s and a half-open link at 5 s; "
                                + "dead link found %d ms after it stalled (keep-alive %d s), all stored %d ms after "
                                + "the stall, %d connections through the proxy%n", TOTAL, PER_SECOND,
                        detectedMillis, KEEP_ALIVE.toSeconds(), flowing, proxy.connections());
                assertThat(detectedMillis).as("found within 1.5 x keep-alive (plus scheduling slack)")
                        .isLessThan(KEEP_ALIVE.toMillis() * 3 / 2 + 700);
            }
            assertThat(Sql.count(db, "SELECT count(DISTINCT value) FROM readings_all")).as("each sequence number once")
                    .isEqualTo(TOTAL);
        }
    }

    private static void sleepUntil(long started, Duration at) throws InterruptedException {
        long wait = started + at.toNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
