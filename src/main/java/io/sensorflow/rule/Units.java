package io.sensorflow.rule;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The units a rule converts between: temperatures (°C, °F, K) and pressures (Pa, hPa, kPa, bar, mbar, psi), under
 * the names devices use for them (SenML's {@code Cel}, UCUM's {@code [degF]}, {@code °C}, {@code degC} ...). Units of
 * different kinds, or ones not listed, do not convert: a rule rejects a reading in such a unit rather than compare
 * numbers that mean different things.
 */
public final class Units {

    private enum Kind { TEMPERATURE, PRESSURE }

    /** A unit as {@code value_in_base = value * scale + offset}, base kelvin or pascal. */
    private record Unit(String symbol, Kind kind, double scale, double offset) {
    }

    private static final Unit CELSIUS = new Unit("Cel", Kind.TEMPERATURE, 1, 273.15);
    private static final Unit FAHRENHEIT = new Unit("[degF]", Kind.TEMPERATURE, 5.0 / 9, 273.15 - 32 * 5.0 / 9);
    private static final Unit KELVIN = new Unit("K", Kind.TEMPERATURE, 1, 0);
    private static final Unit PASCAL = new Unit("Pa", Kind.PRESSURE, 1, 0);
    private static final Unit HECTOPASCAL = new Unit("hPa", Kind.PRESSURE, 100, 0);
    private static final Unit KILOPASCAL = new Unit("kPa", Kind.PRESSURE, 1000, 0);
    private static final Unit BAR = new Unit("bar", Kind.PRESSURE, 100_000, 0);
    private static final Unit MILLIBAR = new Unit("mbar", Kind.PRESSURE, 100, 0);
    private static final Unit PSI = new Unit("psi", Kind.PRESSURE, 6894.757293168, 0);

    private static final Map<String, Unit> NAMES = Map.ofEntries(
            // Not bare C and F: in SenML those are coulomb and farad.
            Map.entry("cel", CELSIUS), Map.entry("°c", CELSIUS), Map.entry("degc", CELSIUS), Map.entry("celsius", CELSIUS),
            Map.entry("[degf]", FAHRENHEIT), Map.entry("°f", FAHRENHEIT), Map.entry("degf", FAHRENHEIT),
            Map.entry("fahrenheit", FAHRENHEIT),
            Map.entry("k", KELVIN), Map.entry("kelvin", KELVIN),
            Map.entry("pa", PASCAL), Map.entry("hpa", HECTOPASCAL), Map.entry("kpa", KILOPASCAL),
            Map.entry("bar", BAR), Map.entry("mbar", MILLIBAR), Map.entry("psi", PSI), Map.entry("[psi]", PSI));

    private Units() {
    }

    /** Whether {@code unit} is one of the units that convert. */
    public static boolean known(String unit) {
        return NAMES.containsKey(unit.toLowerCase(Locale.ROOT));
    }

    /**
     * {@code value} in {@code from}, expressed in {@code to}; empty when the two do not convert (unknown, or of
     * different kinds). Equal names always convert, unchanged.
     */
    public static OptionalDouble convert(double value, String from, String to) {
        if (from.equals(to)) {
            return OptionalDouble.of(value);
        }
        Unit a = NAMES.get(from.toLowerCase(Locale.ROOT));
        Unit b = NAMES.get(to.toLowerCase(Locale.ROOT));
        if (a == null || b == null || a.kind != b.kind) {
            return OptionalDouble.empty();
        }
        if (a == b) {
            return OptionalDouble.of(value);
        }
        double base = value * a.scale + a.offset;
        return OptionalDouble.of((base - b.offset) / b.scale);
    }
}
