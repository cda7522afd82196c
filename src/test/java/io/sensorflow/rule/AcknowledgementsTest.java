package io.sensorflow.rule;

import io.sensorflow.model.Acknowledgement;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AcknowledgementsTest {

    @Test
    void keepsAtMostTheNewestTenThousandAndNothingOlderThanAMonth() {
        Acknowledgements acks = new Acknowledgements();
        long t = 100L * 24 * 3600 * 1000;
        acks.add(new Acknowledgement("ancient", t - Acknowledgements.KEEP_MILLIS - 1, "ops", ""));
        for (int i = 0; i < Acknowledgements.MAX + 500; i++) {
            acks.add(new Acknowledgement("e" + i, t + i, "ops", ""));
        }
        assertThat(acks.size()).isEqualTo(Acknowledgements.MAX);
        assertThat(acks.contains("ancient")).isFalse();
        assertThat(acks.contains("e0")).as("the oldest go first").isFalse();
        assertThat(acks.contains("e" + (Acknowledgements.MAX + 499))).isTrue();
        assertThat(acks.get("e" + 600).by()).isEqualTo("ops");
    }
}
