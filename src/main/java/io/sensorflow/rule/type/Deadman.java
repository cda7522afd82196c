package io.sensorflow.rule.type;

import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Observation;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code type = deadman}: a sensor has sent nothing for {@code after}. The engine judges it on the clock, not on
 * readings: the alert fires once {@code after} has passed since the sensor's last reading arrived (or since start for
 * a sensor listed in {@code sensors} that was never heard from), and resolves on the sensor's next reading.
 */
public final class Deadman implements Derivation<Void> {

    private final long after;
    private final List<String> sensors;

    public Deadman(Duration after, List<String> sensors) {
        this.after = after.toMillis();
        this.sensors = List.copyOf(sensors);
    }

    public static Deadman parse(Section s) {
        Duration after = s.positiveDuration("after");
        List<String> sensors = s.has("sensors") ? s.stringList("sensors") : List.of();
        return new Deadman(after, sensors);
    }

    public long afterMillis() {
        return after;
    }

    /** Sensors to watch from the start, even if they never send anything. */
    public List<String> sensors() {
        return sensors;
    }

    @Override
    public AlertKey keyOf(Reading reading) {
        return AlertKey.sensor(reading.sensor());
    }

    @Override
    public String signature() {
        return "deadman after=" + after + " sensors=" + sensors;
    }

    /** Readings are signs of life only; the engine handles them. */
    @Override
    public boolean observe(Void state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        return true;
    }
}
