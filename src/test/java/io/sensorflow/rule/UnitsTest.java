package io.sensorflow.rule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class UnitsTest {

    private static double convert(double value, String from, String to) {
        return Units.convert(value, from, to).orElseThrow();
    }

    @Test
    void convertsTemperaturesUnderTheNamesDevicesUse() {
        assertThat(convert(100, "Cel", "[degF]")).isCloseTo(212, within(1e-9));
        assertThat(convert(212, "°F", "°C")).isCloseTo(100, within(1e-9));
        assertThat(convert(-40, "degF", "Cel")).isCloseTo(-40, within(1e-9));
        assertThat(convert(0, "K", "Cel")).isCloseTo(-273.15, within(1e-9));
        assertThat(convert(20, "degC", "K")).isCloseTo(293.15, within(1e-9));
    }

    @Test
    void convertsPressures() {
        assertThat(convert(1013.25, "hPa", "bar")).isCloseTo(1.01325, within(1e-12));
        assertThat(convert(2, "bar", "Pa")).isCloseTo(200_000, within(1e-9));
        assertThat(convert(1, "psi", "kPa")).isCloseTo(6.894757, within(1e-6));
        assertThat(convert(1000, "mbar", "hPa")).isCloseTo(1000, within(1e-9));
    }

    @Test
    void refusesUnitsOfDifferentKindsAndUnknownOnesButKeepsEqualNames() {
        assertThat(Units.convert(20, "Cel", "bar")).isEmpty();
        assertThat(Units.convert(20, "%RH", "Cel")).isEmpty();
        assertThat(Units.convert(20, "F", "Cel")).as("F is farad in SenML").isEmpty();
        assertThat(Units.convert(20, "%RH", "%RH")).hasValue(20);
        assertThat(Units.known("hPa")).isTrue();
        assertThat(Units.known("%RH")).isFalse();
    }
}
