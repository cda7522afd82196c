package io.sensorflow.pipeline;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Envelope;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoreConfig;
import io.sensorflow.store.jdbc.SqliteStore;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesLimitTest {

    @TempDir
    Path dir;
    private ReadingStore store;
    private final Metrics metrics = new Metrics();

    @BeforeEach
    void open() {
        store = SqliteStore.open(StoreConfig.sqlite(dir.resolve("s.db").toString()));
        store.write(List.of(new Reading("old1", "t", 1, 1_000, "mqtt"), new Reading("old2", "t", 1, 1_000, "mqtt")),
                List.of());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void pastTheLimitReadingsOfNewSeriesAreDeadLetteredAndKnownSeriesGoOn() {
        SeriesLimit limit = new SeriesLimit(store, 4, metrics, Clock.systemUTC());
        Envelope in = Envelope.of(List.of(new Reading("new1", "t", 1, 2_000, "mqtt"),
                new Reading("new2", "t", 1, 2_000, "mqtt"), new Reading("new3", "t", 1, 2_000, "mqtt"),
                new Reading("old1", "t", 2, 2_000, "mqtt"), new Reading("new1", "t", 2, 3_000, "mqtt")),
                Acknowledgement.NONE);

        Envelope out = limit.admit(in);

        assertThat(out.readings()).extracting(Reading::sensor).containsExactly("new1", "new2", "old1", "new1");
        assertThat(out.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("too-many-series");
            assertThat(letter.detail()).contains("new3 t", "max-series");
            assertThat(letter.payloadText()).startsWith("new3 t 1.0 2000");
        });
        assertThat(out.rejections()).isEqualTo(1);
        assertThat(out.ack()).isSameAs(in.ack());
        assertThat(limit.count()).isEqualTo(4);
        assertThat(metrics.decodeErrors("mqtt", "too-many-series").get()).isEqualTo(1.0);

        Envelope known = Envelope.of(List.of(new Reading("old2", "t", 3, 4_000, "mqtt")), Acknowledgement.NONE);
        assertThat(limit.admit(known)).as("nothing to do: the same envelope").isSameAs(known);
    }

    @Test
    void aFloodOfNewNamesMakesAtMostAHundredDeadLettersPerMessageAndCountsThemAll() {
        SeriesLimit limit = new SeriesLimit(store, 2, metrics, Clock.systemUTC());
        List<Reading> flood = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            flood.add(new Reading("s" + i, "t", 1, 2_000, "push"));
        }
        Envelope out = limit.admit(Envelope.of(flood, Acknowledgement.NONE));
        assertThat(out.readings()).isEmpty();
        assertThat(out.deadLetters()).hasSize(101);
        assertThat(out.deadLetters().get(100)).extracting(DeadLetter::reason).isEqualTo("too-many-rejections");
        assertThat(out.rejections()).isEqualTo(5_000);
        assertThat(metrics.decodeErrors("push", "too-many-series").get()).isEqualTo(5_000.0);
    }

    @Test
    void seriesLetThroughAreCountedUntilTheStoreHasThemAndNotTwiceAfter() {
        SeriesLimit limit = new SeriesLimit(store, 4, metrics, Clock.systemUTC());
        Envelope first = limit.admit(Envelope.of(List.of(new Reading("new1", "t", 1, 2_000, "mqtt")),
                Acknowledgement.NONE));
        assertThat(first.readings()).hasSize(1);
        assertThat(limit.count()).isEqualTo(3);
        store.write(first.readings(), List.of());
        assertThat(limit.admit(Envelope.of(List.of(new Reading("new2", "t", 1, 2_000, "mqtt")),
                Acknowledgement.NONE)).readings()).as("the fourth series").hasSize(1);
        assertThat(limit.count()).isEqualTo(4);
        assertThat(limit.admit(Envelope.of(List.of(new Reading("new3", "t", 1, 2_000, "mqtt")),
                Acknowledgement.NONE)).readings()).as("the fifth").isEmpty();
        assertThat(limit.admit(Envelope.of(List.of(new Reading("new1", "t", 2, 3_000, "mqtt")),
                Acknowledgement.NONE)).readings()).as("committed now, still known").hasSize(1);
    }
}
