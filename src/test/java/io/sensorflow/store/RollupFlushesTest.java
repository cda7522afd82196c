package io.sensorflow.store;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RollupFlushesTest {

    private static void flush(RollupFlushes flushes, List<Rollups.Key> keys) {
        flushes.begin(keys);
        flushes.committed();
    }

    @Test
    void aFlushInFlightTouchesItsRangeUntilItCommitsAndAfterwardForOlderReads() {
        RollupFlushes flushes = new RollupFlushes(8);
        long before = flushes.version();
        flushes.begin(List.of(new Rollups.Key(1, 0)));
        long during = flushes.version();
        assertThat(flushes.touched(during, 1, Resolution.MINUTE, 0, HOUR)).as("in flight").isTrue();
        assertThat(flushes.touched(during, 2, Resolution.MINUTE, 0, HOUR)).isFalse();
        flushes.committed();
        assertThat(flushes.touched(before, 1, Resolution.MINUTE, 0, HOUR)).as("committed since").isTrue();
        assertThat(flushes.touched(during, 1, Resolution.MINUTE, 0, HOUR)).as("read began in flight").isTrue();
        assertThat(flushes.touched(flushes.version(), 1, Resolution.MINUTE, 0, HOUR)).isFalse();
        flushes.begin(List.of(new Rollups.Key(1, 0)));
        flushes.changedEverything();
        assertThat(flushes.touched(flushes.version(), 1, Resolution.MINUTE, 0, HOUR))
                .as("a failed flush is forgotten with everything").isFalse();
    }

    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    @Test
    void aReadRacedOnlyFlushesOfOtherSeriesOrOtherTimes() {
        RollupFlushes flushes = new RollupFlushes(8);
        long since = flushes.version();
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, 0, HOUR)).as("nothing flushed").isFalse();
        flush(flushes, List.of(new Rollups.Key(2, 0), new Rollups.Key(1, 2 * HOUR)));
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, 0, HOUR)).as("other series, later hour").isFalse();
        assertThat(flushes.touched(since, 2, Resolution.MINUTE, 0, HOUR)).isTrue();
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, 2 * HOUR, 2 * HOUR + MINUTE)).isTrue();
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, 2 * HOUR + MINUTE, 3 * HOUR)).isFalse();
        assertThat(flushes.touched(flushes.version(), 2, Resolution.MINUTE, 0, HOUR)).as("before the read").isFalse();
    }

    @Test
    void anHourBucketIsTouchedByAnyOfItsMinutes() {
        RollupFlushes flushes = new RollupFlushes(8);
        long since = flushes.version();
        flush(flushes, List.of(new Rollups.Key(1, HOUR + 59 * MINUTE)));
        assertThat(flushes.touched(since, 1, Resolution.HOUR, HOUR, 2 * HOUR)).isTrue();
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, HOUR, HOUR + 59 * MINUTE)).isFalse();
        assertThat(flushes.touched(since, 1, Resolution.HOUR, 2 * HOUR, 3 * HOUR)).isFalse();
    }

    @Test
    void aReadOlderThanWhatIsKeptOrBeforeEverythingChangedReadsAgain() {
        RollupFlushes flushes = new RollupFlushes(4);
        long since = flushes.version();
        for (int i = 0; i < 5; i++) {
            flush(flushes, List.of(new Rollups.Key(9, 0)));
        }
        assertThat(flushes.touched(since, 1, Resolution.MINUTE, 0, HOUR)).as("more commits than kept").isTrue();
        long later = flushes.version();
        flushes.changedEverything();
        assertThat(flushes.touched(later, 1, Resolution.MINUTE, 0, HOUR)).isTrue();
        assertThat(flushes.touched(flushes.version(), 1, Resolution.MINUTE, 0, HOUR)).isFalse();
        assertThat(flushes.touched(later - 1, 1, Resolution.MINUTE, 0, HOUR)).isTrue();
        flush(flushes, List.of());
        assertThat(flushes.version()).as("a commit that flushed nothing").isEqualTo(later + 1);
    }
}
