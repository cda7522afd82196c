package io.sensorflow.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store benchmark's options and the sizing of its query store, which once divided by zero on small values. */
class StoreBenchTest {

    @Test
    void defaultsAreTheDocumentedRun() {
        StoreBench.Options options = StoreBench.Options.parse();
        assertThat(options).isEqualTo(new StoreBench.Options(List.of("sqlite", "postgres"), 10_000, 1000, 3_000_000,
                10_000_000, 1000));
    }

    @Test
    void smallValuesAreAccepted() {
        StoreBench.Options options = StoreBench.Options.parse("--stores", "sqlite", "--sensors", "1", "--batch", "1",
                "--readings", "0", "--query-readings", "1", "--query-sensors", "1");
        assertThat(options).isEqualTo(new StoreBench.Options(List.of("sqlite"), 1, 1, 0, 1, 1));
    }

    @Test
    void nonsenseIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> StoreBench.Options.parse("--batch", "0")).hasMessage("--batch must be 1 or more and "
                + "100,000 at most, got 0");
        assertThatThrownBy(() -> StoreBench.Options.parse("--sensors", "-5")).hasMessageStartingWith("--sensors must "
                + "be 1 or more");
        assertThatThrownBy(() -> StoreBench.Options.parse("--query-readings", "-1")).hasMessage("--query-readings "
                + "must be 0 or more, got -1");
        assertThatThrownBy(() -> StoreBench.Options.parse("--readings", "lots")).hasMessage("--readings must be a "
                + "whole number, got 'lots'");
        assertThatThrownBy(() -> StoreBench.Options.parse("--query-readings")).hasMessage("--query-readings needs a "
                + "value");
        assertThatThrownBy(() -> StoreBench.Options.parse("--stores", "sqlite,mysql")).hasMessageContaining("unknown "
                + "store 'mysql'");
        assertThatThrownBy(() -> StoreBench.Options.parse("--rows", "5")).hasMessage("unknown option --rows");
        assertThatThrownBy(() -> StoreBench.Options.parse("5")).hasMessage("expected an option, got '5'");
    }

    @Test
    void fewerQueryReadingsThanSensorsUseFewerSensors() {
        StoreBench.QueryPlan plan = StoreBench.QueryPlan.of(5, 1000);
        assertThat(plan.sensors()).isEqualTo(5);
        assertThat(plan.perSensor()).isEqualTo(1);
        assertThat(plan.buckets()).as("the one reading of each sensor is the day's only minute").isEqualTo(1);
    }

    @Test
    void everyQueryPlanAnswersTheBucketsItsReadingsFill() {
        for (long total : new long[] {1, 2, 7, 10, 500, 1_000, 1_499, 1_500, 10_000, 99_999}) {
            for (int sensors : new int[] {1, 3, 10, 1000}) {
                StoreBench.QueryPlan plan = StoreBench.QueryPlan.of(total, sensors);
                assertThat(plan.perSensor()).as(total + " of " + sensors).isPositive();
                assertThat(plan.timestamp(plan.perSensor() - 1)).as("the newest reading is in the day")
                        .isGreaterThanOrEqualTo(plan.from()).isLessThan(plan.to());
                assertThat(plan.buckets()).as(total + " of " + sensors).isBetween(1L, 1441L)
                        .isLessThanOrEqualTo(plan.perSensor());
            }
        }
    }

    @Test
    void theDefaultQueryFillsEveryMinuteOfTheDay() {
        StoreBench.QueryPlan plan = StoreBench.QueryPlan.of(10_000_000, 1000);
        assertThat(plan.sensors()).isEqualTo(1000);
        assertThat(plan.buckets()).isBetween(1440L, 1441L);
    }
}
