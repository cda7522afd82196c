package io.sensorflow.rule.type;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SamplesTest {

    @Test
    void keepsSamplesInTimeOrderWhateverTheArrivalOrder() {
        Samples s = new Samples();
        long[] times = {5, 1, 3, 9, 7, 3};
        for (long t : times) {
            s.add(t, t * 10);
        }
        assertThat(s.size()).isEqualTo(6);
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.time(i)).isGreaterThanOrEqualTo(previous);
            assertThat(s.value(i)).isEqualTo(s.time(i) * 10.0);
            previous = s.time(i);
        }
    }

    @Test
    void removesOldSamplesAndReusesTheRoom() {
        Samples s = new Samples();
        for (long t = 0; t < 10_000; t++) {
            s.add(t, t);
            s.removeBefore(t - 9);
        }
        assertThat(s.size()).isEqualTo(10);
        assertThat(s.firstTime()).isEqualTo(9_990);
        assertThat(s.lastTime()).isEqualTo(9_999);
        assertThat(s.lowerBound(9_995)).isEqualTo(5);
    }

    @Test
    void aggregatesOverASlice() {
        Samples s = new Samples();
        double[] values = {4, 1, 3, 2, 10};
        for (int i = 0; i < values.length; i++) {
            s.add(i, values[i]);
        }
        assertThat(Aggregate.AVG.compute(s, 0, 4)).isEqualTo(2.5);
        assertThat(Aggregate.MIN.compute(s, 0, 4)).isEqualTo(1);
        assertThat(Aggregate.MAX.compute(s, 0, 5)).isEqualTo(10);
        assertThat(Aggregate.SUM.compute(s, 1, 3)).isEqualTo(4);
        assertThat(Aggregate.COUNT.compute(s, 0, 5)).isEqualTo(5);
        assertThat(Aggregate.FIRST.compute(s, 1, 5)).isEqualTo(1);
        assertThat(Aggregate.LAST.compute(s, 0, 4)).isEqualTo(2);
        assertThat(Aggregate.DELTA.compute(s, 0, 5)).isEqualTo(6);
        assertThat(Aggregate.P50.compute(s, 0, 4)).as("median of 1 2 3 4").isEqualTo(2.5);
        assertThat(Aggregate.P90.compute(s, 0, 5)).as("between 4 and 10").isCloseTo(7.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Aggregate.STDDEV.compute(s, 0, 4)).as("sample stddev of 4 1 3 2")
                .isCloseTo(Math.sqrt(5.0 / 3), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Aggregate.STDDEV.compute(s, 2, 3)).isZero();
    }
}
