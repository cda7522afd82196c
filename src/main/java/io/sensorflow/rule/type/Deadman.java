package io.sensorflow.rule.type;

import io.sensorflow.config.Section;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertKey;
import io.sensorflow.rule.Derivation;
import io.sensorflow.rule.Lifecycle;
import io.sensorflow.rule.Observation;
import io.sensorflow.rule.Watch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code type = deadman}: a sensor has sent nothing for {@code after}. The clock judges it, not a condition: the alert
 * fires once {@code after} has passed since the sensor's last reading arrived (or since start for a sensor listed in
 * {@code sensors} that was never heard from), and resolves on the sensor's next reading.
 */
public final class Deadman implements Derivation<Deadman.State>, Watch<Deadman.State> {

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

    @Override
    public AlertKey keyOf(Reading reading) {
        return AlertKey.sensor(reading.sensor());
    }

    @Override
    public String signature() {
        return "deadman after=" + after + " sensors=" + sensors;
    }

    @Override
    public State newState() {
        return new State();
    }

    /** Readings are signs of life only; {@link #heard} takes them. */
    @Override
    public boolean observe(State state, AlertKey key, Reading reading, Map<String, Object> readingVariables,
                           List<Observation> out) {
        return true;
    }

    @Override
    public Optional<String> conditionless() {
        return Optional.of("they fire after `after` of silence and resolve on the next reading");
    }

    /** A state reading is a sign of life like any other. */
    @Override
    public boolean acceptsStates() {
        return true;
    }

    @Override
    public boolean readsValues() {
        return false;
    }

    @Override
    public Optional<Watch<State>> watch() {
        return Optional.of(this);
    }

    @Override
    public List<AlertKey> watchedFromStart() {
        return sensors.stream().map(AlertKey::sensor).toList();
    }

    @Override
    public void watchFrom(State state, long now) {
        if (state.lastSeenArrival == Lifecycle.NONE) {
            state.lastSeenArrival = now;
            state.lastSeenTimestamp = now;
            state.seeded = true;
        }
    }

    @Override
    public boolean heard(State state, Reading reading, long now) {
        if (!state.seeded && state.lastSeenTimestamp != Lifecycle.NONE && reading.timestamp() <= state.lastSeenTimestamp) {
            // A redelivered or late message is no sign of life now.
            return false;
        }
        state.seeded = false;
        state.lastSeenArrival = now;
        state.lastSeenTimestamp = reading.timestamp();
        return true;
    }

    @Override
    public void restore(State state, long timestamp) {
        // The arrival time of the last reading is not stored; its event time stands in for it. A listed sensor was
        // only seeded with the start-up time; what it last sent, if stored, wins.
        if (state.seeded || state.lastSeenTimestamp == Lifecycle.NONE || timestamp > state.lastSeenTimestamp) {
            state.seeded = false;
            state.lastSeenTimestamp = timestamp;
            state.lastSeenArrival = timestamp;
        }
    }

    @Override
    public Firing due(State state, long now) {
        if (state.lastSeenArrival != Lifecycle.NONE && now - state.lastSeenArrival >= after) {
            return new Firing(state.lastSeenTimestamp, state.lastSeenTimestamp + after);
        }
        return null;
    }

    /** When one sensor was last heard from. */
    public static final class State {
        long lastSeenArrival = Lifecycle.NONE;
        long lastSeenTimestamp = Lifecycle.NONE;
        /** A listed sensor watched since start-up, not yet heard from. */
        boolean seeded;
    }
}
