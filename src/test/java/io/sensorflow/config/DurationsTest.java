package io.sensorflow.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DurationsTest {

    @Test
    void printsTheLargestWholeUnit() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofMillis(20))).isEqualTo("20ms");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ofDays(1))).isEqualTo("1d");
    }

    @Test
    void readsWhatTheConfigAcceptsAndRefusesTheRest() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("1 h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durations.parse("5 fortnights"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a duration: '5 fortnights'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durations.parse("1\" }"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
