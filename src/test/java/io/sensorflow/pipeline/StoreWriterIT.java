package io.sensorflow.pipeline;

import io.sensorflow.app.Components;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Envelope;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.StoreException;
import io.sensorflow.store.StoredDeadLetter;
import io.sensorflow.telemetry.Metrics;
import io.sensorflow.testing.PostgresDatabase;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Data the store refuses, on both stores: never retried, found by halving the batch, dead-lettered with the
 * database's reason, and the rest of the batch committed and acknowledged. The refusal is made by the database
 * itself (a trigger, a constraint, a NUL in PostgreSQL text), not by a stand-in.
 */
class StoreWriterIT {

    @RegisterExtension
    static PostgresDatabase pg = new PostgresDatabase();

    private static ActorSystem system;
    private static ExecutorService blocking;
    private ReadingStore store;
    private final Metrics metrics = new Metrics();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("store-writer-it");
        blocking = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() {
        blocking.shutdownNow();
        system.terminate();
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private ReadingStore postgres() throws Exception {
        sql(pg.jdbcUrl(), "DROP SCHEMA public CASCADE", "CREATE SCHEMA public");
        store = Components.openStore(StoreConfig.postgres(pg.jdbcUrl(), pg.user(), pg.password()));
        sql(pg.jdbcUrl(), "ALTER TABLE series ADD CONSTRAINT no_bad CHECK (sensor <> 'bad')");
        return store;
    }

    private ReadingStore sqlite() throws Exception {
        Path db = dir.resolve("w.db");
        store = Components.openStore(StoreConfig.sqlite(db.toString()));
        sql("jdbc:sqlite:" + db, "CREATE TRIGGER no_bad BEFORE INSERT ON series WHEN NEW.sensor = 'bad' "
                + "BEGIN SELECT RAISE(ABORT, 'no bad sensors'); END");
        return store;
    }

    private static void sql(String url, String... statements) throws Exception {
        try (Connection connection = url.startsWith("jdbc:postgresql")
                ? DriverManager.getConnection(url, pg.user(), pg.password()) : DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            for (String s : statements) {
                statement.execute(s);
            }
        }
    }

    @Test
    void onPostgresTheRefusedReadingIsDeadLetteredAndTheRestCommitted() throws Exception {
        refusedReadingIsDeadLetteredAndTheRestCommitted(postgres(), "no_bad");
    }

    @Test
    void onSqliteTheRefusedReadingIsDeadLetteredAndTheRestCommitted() throws Exception {
        refusedReadingIsDeadLetteredAndTheRestCommitted(sqlite(), "no bad sensors");
    }

    private void refusedReadingIsDeadLetteredAndTheRestCommitted(ReadingStore store, String why) throws Exception {
        StoreWriter writer = new StoreWriter(store, metrics, system, blocking);
        long t = 1_795_331_702_000L;
        int[] acks = new int[1];
        Acknowledgement ack = () -> acks[0]++;
        List<Evaluated> batch = List.of(
                message(ack, new Reading("a", "t", 1, t, "push")),
                message(ack, new Reading("b", "t", 2, t, "push"), new Reading("bad", "t", 3, t, "push"),
                        new Reading("c", "t", 4, t, "push")),
                message(ack, new Reading("d", "t", 5, t, "push")));

        List<Evaluated> written = writer.write(batch).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(store.countReadings()).isEqualTo(4);
        assertThat(store.hasSeries("bad", "t")).isFalse();
        assertThat(written.get(0)).isSameAs(batch.get(0));
        assertThat(written.get(2)).isSameAs(batch.get(2));
        Envelope second = written.get(1).envelope();
        assertThat(second.readings()).extracting(Reading::sensor).containsExactly("b", "c");
        assertThat(second.rejections()).isEqualTo(1);
        assertThat(second.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("store-refused");
            assertThat(letter.detail()).contains("bad t", why);
        });
        List<StoredDeadLetter> kept = store.deadLetters(0, Long.MAX_VALUE, null, "store-refused", Long.MAX_VALUE, 10);
        assertThat(kept).singleElement().satisfies(letter -> assertThat(letter.letter().detail()).contains(why));
        assertThat(metrics.decodeErrors("push", "store-refused").get()).isEqualTo(1.0);
        assertThat(store.isHealthy()).as("a refusal says nothing of the store's health").isTrue();
        assertThat(writer.trouble()).isNull();
    }

    @Test
    void postgresRefusesANulInTextAsDataWhichTheDecoderNeverLetsThrough() throws Exception {
        ReadingStore store = postgres();
        assertThatThrownBy(() -> store.write(List.of(new Reading("nul\u0000", "t", 1, 1_000, "push")), List.of()))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.refusedData()).isTrue());
        assertThat(store.isHealthy()).isTrue();
    }

    private static Evaluated message(Acknowledgement ack, Reading... readings) {
        return new Evaluated(Envelope.of(List.of(readings), ack), List.of(), List.of(), 0);
    }
}
