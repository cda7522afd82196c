package io.sensorflow.pipeline;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.sensorflow.action.Action;
import io.sensorflow.action.ActionContext;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.store.Batch;
import io.sensorflow.store.Delivery;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.MosquittoBroker;
import jakarta.mail.internet.MimeMessage;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** E-mail deliveries from the outbox of a real SQLite store to an SMTP server in this JVM (GreenMail). */
class EmailDeliveryIT {

    private static final PipelineConfig.ActionRetry RETRY = new PipelineConfig.ActionRetry(50, Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofHours(1));

    @TempDir
    Path dir;
    private SqliteStore store;
    private ExecutorService blocking;
    private ActorSystem system;
    private GreenMail smtp;
    private Outbox outbox;
    private int port;

    @BeforeEach
    void open() throws java.io.IOException {
        port = MosquittoBroker.freePort();
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("mail.db").toString()));
        blocking = Executors.newFixedThreadPool(2);
        system = ActorSystem.create("email-delivery-it");
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.setUser("sensorflow@example.com", "alerts", "s3cret-for-the-test");
    }

    @AfterEach
    void close() {
        if (outbox != null) {
            outbox.close();
        }
        smtp.stop();
        blocking.shutdownNow();
        store.close();
        system.terminate();
    }

    private void start() {
        Action mail = io.sensorflow.app.ConfigLoader.bind(com.typesafe.config.ConfigFactory.parseString("""
                        sensorflow {
                          sources.push { type = http-push }
                          actions.mail {
                            type = email
                            smtp { host = "127.0.0.1", port = %d, security = none, username = alerts,
                                   password = "s3cret-for-the-test" }
                            from = "sensorflow@example.com"
                            to = [ "ops@example.com", "night-shift@example.com" ]
                            timeout = 2s
                          }
                        }
                        """.formatted(port))).actions().get("mail")
                .create(new ActionContext((action, source, type) -> Optional.empty(), Duration.ofSeconds(5)));
        Metrics metrics = new Metrics();
        ActionRunner runner = new ActionRunner(store, metrics, Clock.systemUTC(), blocking, Map.of());
        outbox = new Outbox(store, runner, () -> Map.of("mail", mail), RETRY, 4, Clock.systemUTC(), metrics,
                new ActionBreakers(system.scheduler(), new PipelineConfig.ActionBreaker(100, Duration.ofSeconds(30)),
                        metrics));
        outbox.start();
    }

    private void commit(String episode) {
        AlertEvent firing = new AlertEvent(episode, "freezer-warm", "freezer-1", "temperature", "", AlertState.FIRING,
                "critical", -4, 1_000, 1_000, 1_000, Map.of(), Map.of(), false, List.of("mail"), null);
        store.write(new Batch(List.of(), List.of(), List.of(), List.of(firing)));
    }

    @Test
    void anAlertArrivesAsAnEMailToEveryRecipientWithItsKey() throws Exception {
        smtp.start();
        commit("e1");
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(2);
        MimeMessage first = received[0];
        assertThat(first.getSubject()).isEqualTo("[firing] freezer-warm on freezer-1 temperature: -4.0");
        assertThat(first.getHeader("Idempotency-Key")).containsExactly("e1:firing:1000:mail");
        assertThat(first.getMessageID()).isEqualTo("<e1.firing.1000.mail@sensorflow>");
        assertThat(((String) first.getContent())).startsWith("freezer-warm is firing on freezer-1 temperature: -4.0 "
                + "(critical)");
        await().atMost(Duration.ofSeconds(5)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
    }

    @Test
    void aServerThatIsDownAWhileGetsTheMailOnceItIsUp() {
        commit("e2");
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.deliveries(Delivery.Status.PENDING, null, 0, 1)
                .stream().anyMatch(d -> d.attempts() >= 2));
        assertThat(store.deliveries(Delivery.Status.PENDING, null, 0, 1).get(0).lastError()).startsWith("smtp ");
        smtp.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.countDeliveries(Delivery.Status.DONE) == 1);
    }
}
