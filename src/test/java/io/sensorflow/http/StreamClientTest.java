package io.sensorflow.http;

import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.LiveFeed;
import io.sensorflow.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StreamClientTest {

    private final Metrics metrics = new Metrics();

    private StreamClient client(Map<String, List<String>> params, int maxSeries) {
        return new StreamClient(StreamClient.Filter.parse(params), maxSeries, 10, metrics.streamSkipped("conflated"),
                metrics.streamSkipped("series-cap"));
    }

    private static Map<LiveFeed.Series, Reading> interval(Reading... readings) {
        Map<LiveFeed.Series, Reading> map = new LinkedHashMap<>();
        for (Reading reading : readings) {
            map.put(new LiveFeed.Series(reading.sensor(), reading.metric()), reading);
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    private static Reading r(String sensor, double value, long t) {
        return new Reading(sensor, "t", value, t, "test");
    }

    @Test
    void aClientOfEverythingTakesTheFeedsIntervalAsItIsSoItsEventIsRenderedOnce() {
        StreamClient client = client(Map.of(), 100);
        Map<LiveFeed.Series, Reading> interval = interval(r("a", 1, 1), r("b", 2, 1));
        client.readings(interval);
        StreamClient.Batch batch = client.take();
        assertThat(batch.shared()).isTrue();
        assertThat(batch.readings()).isSameAs(interval);
        assertThat(client.take().isEmpty()).as("taken").isTrue();
    }

    @Test
    void twoIntervalsBeforeATakeConflateIntoTheClientsOwnBufferWithoutGoingBackInTime() {
        StreamClient client = client(Map.of(), 100);
        client.readings(interval(r("a", 1, 1_000), r("b", 2, 1_000)));
        client.readings(interval(r("a", 3, 2_000), r("b", 0, 500)));
        StreamClient.Batch batch = client.take();
        assertThat(batch.shared()).isFalse();
        assertThat(batch.readings().values()).extracting(Reading::value).containsExactly(3.0, 2.0);
    }

    @Test
    void aFilteredClientKeepsOnlyItsSeriesUpToItsCap() {
        StreamClient filtered = client(Map.of("sensor", List.of("a*")), 2);
        filtered.readings(interval(r("a1", 1, 1), r("b", 2, 1), r("a2", 3, 1), r("a3", 4, 1)));
        StreamClient.Batch batch = filtered.take();
        assertThat(batch.shared()).isFalse();
        assertThat(batch.readings().keySet()).extracting(LiveFeed.Series::toString).containsExactly("a1/t", "a2/t");

        StreamClient small = client(Map.of(), 1);
        small.readings(interval(r("a", 1, 1), r("b", 2, 1)));
        assertThat(small.take().readings()).as("an interval larger than the cap is not shared").hasSize(1);
    }

    @Test
    void theReadingsEventIsJsonWithNullForValuesThatAreNotFinite() {
        String data = StreamApi.readings(List.of(r("a", 1.5, 7), r("b", Double.NaN, 8),
                Reading.ofState("c", "state", "open", 9, Map.of(), "test"))).getData();
        assertThat(data).isEqualTo("[{\"sensor\":\"a\",\"metric\":\"t\",\"timestamp\":7,\"value\":1.5},"
                + "{\"sensor\":\"b\",\"metric\":\"t\",\"timestamp\":8,\"value\":null},"
                + "{\"sensor\":\"c\",\"metric\":\"state\",\"timestamp\":9,\"state\":\"open\"}]");
    }
}
