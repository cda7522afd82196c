package io.sensorflow.source.mqtt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerVersionTest {

    @Test
    void mosquittoBefore2013OverrunsTheWindow() {
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 2.0.11")).isTrue();
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 2.0.12")).isTrue();
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 1.6.9")).isTrue();
    }

    @Test
    void laterMosquittoAndOtherBrokersDoNot() {
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 2.0.13")).isFalse();
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 2.0.18")).isFalse();
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 2.1.0")).isFalse();
        assertThat(BrokerVersion.overrunsWindow("mosquitto version 3.0.0")).isFalse();
        assertThat(BrokerVersion.overrunsWindow("HiveMQ 4.30")).isFalse();
        assertThat(BrokerVersion.overrunsWindow("")).isFalse();
    }
}
