package io.sensorflow.store;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RollupsTest {

    private static final long SECOND = 1_000_000_000L;

    private static Map<Rollups.Key, Bucket> readings(int series, long... timestampsAndValues) {
        int n = timestampsAndValues.length / 2;
        int[] ids = new int[n];
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = series;
            ts[i] = timestampsAndValues[2 * i];
            values[i] = timestampsAndValues[2 * i + 1];
        }
        return Rollups.deltas(ids, ts, values, n);
    }

    @Test
    void aMinuteIsMarkedWithItsFirstReadingsAndWrittenOnceItIsDueTogetherWithItsHour() {
        Rollups rollups = new Rollups(SECOND, 100, 1000);
        Rollups.Plan first = rollups.plan(readings(1, 0, 10, 30_000, 20, 60_000, 5), 0, false);
        assertThat(first.markDirty()).containsExactlyInAnyOrder(0L, 60_000L);
        assertThat(first.minutes()).isEmpty();
        rollups.commit(first, 0);

        Rollups.Plan early = rollups.plan(readings(1, 31_000, 40), SECOND / 2, false);
        assertThat(early.markDirty()).as("already marked").isEmpty();
        assertThat(early.minutes()).as("not due yet").isEmpty();
        rollups.commit(early, SECOND / 2);

        Rollups.Plan due = rollups.plan(Map.of(), SECOND, false);
        assertThat(due.minutes()).extracting(d -> d.bucket().start() + ":" + d.bucket().count())
                .containsExactlyInAnyOrder("0:3", "60000:1");
        assertThat(due.hours()).hasSize(1);
        Bucket hour = due.hours().get(0).bucket();
        assertThat(hour.start()).isZero();
        assertThat(hour.count()).isEqualTo(4);
        assertThat(hour.max()).isEqualTo(40);
        assertThat(hour.last()).as("the newest by event time").isEqualTo(5);
        assertThat(due.clearDirty()).containsExactlyInAnyOrder(0L, 60_000L);
        rollups.commit(due, SECOND);
        assertThat(rollups.isEmpty()).isTrue();
    }

    @Test
    void aMinuteThatGetsNewReadingsInTheFlushingCommitStaysMarked() {
        Rollups rollups = new Rollups(SECOND, 100, 1000);
        rollups.commit(rollups.plan(readings(1, 0, 1), 0, false), 0);
        Rollups.Plan plan = rollups.plan(readings(2, 1_000, 2), SECOND, false);
        assertThat(plan.minutes()).hasSize(1);
        assertThat(plan.clearDirty()).isEmpty();
        rollups.commit(plan, SECOND);
        assertThat(rollups.size()).isEqualTo(1);
    }

    @Test
    void aPlanThatIsNotCommittedChangesNothing() {
        Rollups rollups = new Rollups(SECOND, 100, 1000);
        rollups.plan(readings(1, 0, 1), 0, false);
        assertThat(rollups.isEmpty()).isTrue();
        Rollups.Plan again = rollups.plan(readings(1, 0, 1), 0, false);
        assertThat(again.markDirty()).containsExactly(0L);
    }

    @Test
    void writesAtMostTheLimitPerCommitUnlessOverTheMemoryBound() {
        Rollups rollups = new Rollups(SECOND, 2, 5);
        for (int series = 0; series < 8; series++) {
            Rollups.Plan plan = rollups.plan(readings(series, 0, 1), 0, false);
            assertThat(plan.minutes()).as("commit %d: the one over the bound of 5", series)
                    .hasSize(series < 6 ? 0 : 1);
            rollups.commit(plan, 0);
        }
        assertThat(rollups.size()).isEqualTo(6);
        assertThat(rollups.plan(Map.of(), SECOND, false).minutes()).as("limit 2 + 1 over the bound").hasSize(3);
        assertThat(rollups.plan(Map.of(), 0, false).minutes()).as("over the bound, though not due").hasSize(1);
        assertThat(rollups.plan(Map.of(), 0, true).minutes()).as("all, at close").hasSize(6);
    }

    @Test
    void pendingDeltasOfOneSeriesCanBeRead() {
        Rollups rollups = new Rollups(SECOND, 100, 1000);
        rollups.commit(rollups.plan(readings(1, 0, 1, 60_000, 2), 0, false), 0);
        rollups.commit(rollups.plan(readings(2, 0, 7), 0, false), 0);
        Map<Long, Bucket> seen = new java.util.TreeMap<>();
        rollups.forEachPending(1, seen::put);
        assertThat(seen).containsOnlyKeys(0L, 60_000L);
    }
}
