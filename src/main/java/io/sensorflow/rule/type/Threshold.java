package io.sensorflow.rule.type;

import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Observation;

import java.util.List;
import java.util.Map;

/** {@code type = threshold}: the condition judges each reading's own value. Stateless. */
public final class Threshold implements Derivation<Void> {

    public static final Threshold INSTANCE = new Threshold();

    private Threshold() {
    }

    public static Threshold parse(Section s) {
        return INSTANCE;
    }

    @Override
    public String signature() {
        return "threshold";
    }

    /** A state reading's condition looks at {@code state}. */
    @Override
    public boolean acceptsStates() {
        return true;
    }

    @Override
    public boolean observesEachReading() {
        return true;
    }

    @Override
    public boolean observe(Void state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        // A state reading has no number: its condition looks at `state`, and 0 stands in for the value kept.
        out.add(new Observation(reading.timestamp(), reading.isState() ? 0 : reading.value(), readingVariables));
        return true;
    }
}
