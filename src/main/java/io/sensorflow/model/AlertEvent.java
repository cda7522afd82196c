package io.sensorflow.model;

import java.util.List;
import java.util.Map;

/**
 * A transition of one rule for one alert key (a sensor's metric, a sensor, or a group): it started firing or it
 * resolved, or it is still firing and an action repeats.
 *
 * @param id        stable for one firing episode: the FIRING and the RESOLVED event of the same episode share it
 * @param sensor    the sensor, empty for alerts about a group
 * @param metric    the metric, empty for alerts about a whole sensor (deadman) or a combined group
 * @param group     the value of the rule's {@code group-by} tag, empty for per-sensor alerts
 * @param state     {@link AlertState#FIRING} or {@link AlertState#RESOLVED}
 * @param value     the derived value the condition judged (the reading, an aggregate, a rate...)
 * @param timestamp event time of the transition (epoch ms)
 * @param since     event time at which the condition started to hold (epoch ms)
 * @param emittedAt processing time of the transition (epoch ms)
 * @param inputs    what the condition saw, to answer "why did this fire?"
 * @param repeat    a firing alert whose actions run again ({@code repeat-every}), not a new transition
 * @param actions   the actions to run for this event, after {@code on}, {@code repeat-every} and {@code cooldown}
 * @param muted     why the actions were held back (e.g. {@code cooldown}), or null
 */
public record AlertEvent(String id, String rule, String sensor, String metric, String group, AlertState state,
                         String severity, double value, long timestamp, long since, long emittedAt,
                         Map<String, String> tags, Map<String, Object> inputs, boolean repeat, List<String> actions,
                         String muted) {

    public AlertEvent {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        inputs = inputs == null ? Map.of() : inputs;
        actions = actions == null ? List.of() : List.copyOf(actions);
    }

    public boolean firing() {
        return state == AlertState.FIRING;
    }
}
