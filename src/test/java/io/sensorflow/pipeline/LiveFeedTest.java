package io.sensorflow.pipeline;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Envelope;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LiveFeedTest {

    /** Flushed by the test, not by its timer. */
    private final LiveFeed feed = new LiveFeed(new Metrics(), Duration.ofHours(1), 3);

    private static final class Recorder implements LiveFeed.Listener {
        final List<Map<LiveFeed.Series, Reading>> intervals = new ArrayList<>();
        final List<List<AlertEvent>> transitions = new ArrayList<>();

        @Override
        public void readings(Map<LiveFeed.Series, Reading> newest) {
            intervals.add(newest);
        }

        @Override
        public void transitions(List<AlertEvent> events) {
            transitions.add(events);
        }
    }

    @AfterEach
    void close() {
        feed.close();
    }

    private static Evaluated commit(Reading... readings) {
        return new Evaluated(Envelope.of(List.of(readings), null), List.of(), List.of(), Evaluated.NOT_RECEIVED);
    }

    private static Reading r(String sensor, double value, long t) {
        return new Reading(sensor, "t", value, t, "test");
    }

    @Test
    void anIntervalOfCommitsReachesEveryListenerOnceAsTheNewestReadingPerSeries() {
        Recorder one = new Recorder();
        Recorder two = new Recorder();
        feed.subscribe(one);
        feed.subscribe(two);
        feed.committed(List.of(commit(r("a", 1, 1_000), r("b", 5, 1_000)), commit(r("a", 2, 2_000))));
        feed.committed(List.of(commit(r("a", 0, 1_500))));
        assertThat(one.intervals).as("nothing before the interval ends").isEmpty();

        feed.flush();
        assertThat(one.intervals).singleElement().satisfies(newest -> {
            assertThat(newest.get(new LiveFeed.Series("a", "t")).value()).as("a late reading does not win")
                    .isEqualTo(2);
            assertThat(newest.get(new LiveFeed.Series("b", "t")).value()).isEqualTo(5);
        });
        assertThat(two.intervals).singleElement().isSameAs(one.intervals.get(0));

        feed.flush();
        assertThat(one.intervals).as("an empty interval is not handed over").hasSize(1);
    }

    @Test
    void anIntervalHoldsAtMostMaxSeriesAndTakesTheRestAtTheirNextReading() {
        Recorder listener = new Recorder();
        feed.subscribe(listener);
        feed.committed(List.of(commit(r("a", 1, 1), r("b", 1, 1), r("c", 1, 1), r("d", 1, 1), r("a", 2, 2))));
        feed.flush();
        feed.committed(List.of(commit(r("d", 3, 3))));
        feed.flush();
        assertThat(listener.intervals.get(0).keySet()).extracting(LiveFeed.Series::toString)
                .containsExactly("a/t", "b/t", "c/t");
        assertThat(listener.intervals.get(1).keySet()).extracting(LiveFeed.Series::toString).containsExactly("d/t");
    }

    @Test
    void transitionsGoAtOnceAndNothingIsKeptWithoutListeners() {
        AlertEvent firing = new AlertEvent("id", "hot", "a", "t", "", AlertState.FIRING, "warning", 31, 1, 1, 1,
                Map.of(), Map.of(), false, List.of(), null);
        feed.committed(List.of(commit(r("a", 1, 1))));
        Recorder listener = new Recorder();
        AutoCloseable subscription = feed.subscribe(listener);
        feed.flush();
        assertThat(listener.intervals).as("readings committed before anyone watched").isEmpty();

        feed.committed(List.of(new Evaluated(Envelope.of(List.of(), null), List.of(firing), List.of(), 0)));
        assertThat(listener.transitions).containsExactly(List.of(firing));
        assertThat(feed.listeners()).isEqualTo(1);
        try {
            subscription.close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(feed.listeners()).isZero();
    }
}
