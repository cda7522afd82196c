package io.sensorflow.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTest {

    @Test
    void allowsABurstUpToCountThenRefillsOverThePeriod() {
        RateLimit.Bucket bucket = new RateLimit(3, Duration.ofMinutes(1)).bucket();
        assertThat(bucket.tryAcquire(0)).isTrue();
        assertThat(bucket.tryAcquire(0)).isTrue();
        assertThat(bucket.tryAcquire(0)).isTrue();
        assertThat(bucket.tryAcquire(1_000)).as("the burst is spent").isFalse();
        assertThat(bucket.tryAcquire(19_999)).as("one token takes 20 s to come back").isFalse();
        assertThat(bucket.tryAcquire(20_001)).isTrue();
        assertThat(bucket.tryAcquire(20_002)).isFalse();
        assertThat(bucket.tryAcquire(600_000)).as("idle time refills, but not past count").isTrue();
        assertThat(bucket.tryAcquire(600_000)).isTrue();
        assertThat(bucket.tryAcquire(600_000)).isTrue();
        assertThat(bucket.tryAcquire(600_000)).isFalse();
    }

    @Test
    void aClockGoingBackwardsGivesNothingBack() {
        RateLimit.Bucket bucket = new RateLimit(1, Duration.ofSeconds(10)).bucket();
        assertThat(bucket.tryAcquire(100_000)).isTrue();
        assertThat(bucket.tryAcquire(50_000)).isFalse();
        assertThat(bucket.tryAcquire(105_000)).isFalse();
        assertThat(bucket.tryAcquire(110_000)).isTrue();
    }

    @Test
    void waitMillisSaysWhenTheNextTokenIsThereWithoutTakingOne() {
        RateLimit.Bucket bucket = new RateLimit(2, Duration.ofSeconds(1)).bucket();
        assertThat(bucket.waitMillis(0)).isZero();
        assertThat(bucket.tryAcquire(0)).isTrue();
        assertThat(bucket.tryAcquire(0)).isTrue();
        assertThat(bucket.waitMillis(0)).isEqualTo(500);
        assertThat(bucket.waitMillis(200)).isEqualTo(300);
        assertThat(bucket.waitMillis(500)).isZero();
        assertThat(bucket.tryAcquire(500)).isTrue();
    }
}
