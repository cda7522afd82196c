package io.sensorflow;

import com.sun.net.httpserver.HttpServer;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbox under {@code kill -9} at random points: the real jar takes readings that fire and resolve alerts, each
 * transition with a webhook delivery, and is killed 5 times (20 with {@code -Psoak}) while it works. Afterwards
 * every transition the store holds has reached the receiver: at least once, none lost.
 */
class OutboxCrashIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    /** Five in every build; the 20 this test was written with under {@code -Psoak}. */
    private static final int KILLS = Boolean.getBoolean("test.soak") ? 20 : 5;

    @Test
    void killedAtRandomPointsItLosesNoDelivery(TestConfig test) throws Exception {
        Map<String, Integer> received = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.merge(exchange.getRequestHeaders().getFirst("Idempotency-Key"), 1, Integer::sum);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        int port = MosquittoBroker.freePort();
        TestConfig config = test.named("outbox-crash-it").with("""
                http.port = %d
                sources.push { type = http-push }
                pipeline.action-retry { first-backoff = 100ms, max-backoff = 500ms }
                rules.too-hot.actions = [ hook ]
                actions.hook { type = webhook, url = "http://127.0.0.1:%d/hook", timeout = 2s }
                """.formatted(port, receiver.getAddress().getPort()));
        Path db = config.db();
        Path file = config.write();
        AtomicBoolean pushing = new AtomicBoolean(true);
        AtomicInteger accepted = new AtomicInteger();
        // Ten sensors between hot and cool on every reading: each accepted reading is a transition.
        Thread pusher = new Thread(() -> {
            long ts = System.currentTimeMillis();
            for (int i = 0; pushing.get() && i < 100_000; i++) {
                StringBuilder body = new StringBuilder("[");
                for (int s = 0; s < 10; s++) {
                    body.append(s == 0 ? "" : ",").append("{\"sensor\": \"freezer-").append(s)
                            .append("\", \"metric\": \"temperature\", \"value\": ").append(i % 2 == 0 ? 35 : 20)
                            .append(", \"timestamp\": ").append(ts + i).append('}');
                }
                if (Http.post(port, "/api/v1/ingest", body.append(']').toString()).status() == 202) {
                    accepted.incrementAndGet();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Random random = new Random(17);
        try {
            Process process = DAEMONS.jar(file);
            DaemonExtension.awaitReady(port);
            pusher.start();
            for (int kill = 0; kill < KILLS; kill++) {
                Thread.sleep(200 + random.nextInt(800));
                process.destroyForcibly().waitFor(); // kill -9, wherever it is
                process = DAEMONS.jar(file);
                DaemonExtension.awaitReady(port);
            }
            Thread.sleep(500);
            pushing.set(false);
            pusher.join(10_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> Sql.count(db,
                    "SELECT count(*) FROM deliveries WHERE status = 'pending'") == 0);
            Set<String> committed = keys(db);
            assertThat(accepted.get()).as("ingest batches accepted").isGreaterThan(KILLS);
            assertThat(committed).as("transitions committed").hasSizeGreaterThan(10 * KILLS);
            Set<String> lost = new HashSet<>(committed);
            lost.removeAll(received.keySet());
            assertThat(lost).as("committed transitions whose webhook never arrived").isEmpty();
            assertThat(Sql.count(db, "SELECT count(*) FROM deliveries WHERE status = 'failed'")).isZero();
            long repeats = received.values().stream().filter(n -> n > 1).count();
            System.out.printf("outbox crash: %d transitions, %d delivered twice or more (at least once), %d kills%n",
                    committed.size(), repeats, KILLS);
        } finally {
            pushing.set(false);
            receiver.stop(0);
        }
    }

    /** Every transition's idempotency key for the hook, from the store. */
    private static Set<String> keys(Path db) throws Exception {
        Set<String> keys = new HashSet<>();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT episode, state, ts FROM alert_events")) {
            while (rs.next()) {
                keys.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getLong(3) + ":hook");
            }
        }
        return keys;
    }
}
