package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import io.sensorflow.model.RuleState;

import java.util.Map;

/** Everything the engine knows about one alert key of one rule. */
final class AlertSlot {
    final AlertKey key;
    final Object derived;
    Lifecycle.State life = Lifecycle.State.INITIAL;
    Map<String, String> tags = Map.of();
    double value;
    Map<String, Object> inputs = Map.of();
    String episodeId = "";
    long episodeSince = Lifecycle.NONE;
    /** Event time of the last firing whose actions ran, for cooldown. */
    long lastNotified = Lifecycle.NONE;
    /** Processing time the current episode fired, for repeat-every. */
    long firedAt = Lifecycle.NONE;
    long[] repeats;
    String muted;

    boolean dirty;
    /** Re-pointed when a reload hands the slot to the same rule in a new rule set. */
    RuleRuntime runtime;

    AlertSlot(RuleRuntime runtime, AlertKey key, Object derived) {
        this.runtime = runtime;
        this.key = key;
        this.derived = derived;
    }

    RuleState toState() {
        return new RuleState(runtime.rule.name(), runtime.signature, key.sensor(), key.metric(),
                key.group(), life.phase(), life.since(), life.clearSince(), life.lastTimestamp(),
                life.lastArrival(), episodeId, lastNotified, firedAt, repeats == null ? null : repeats.clone(),
                muted, value, tags);
    }

    void restore(RuleState state) {
        life = new Lifecycle.State(state.phase(), state.since(), state.clearSince(), state.lastTimestamp(),
                state.lastArrival());
        episodeId = state.episodeId() == null ? "" : state.episodeId();
        episodeSince = state.phase() == AlertState.INACTIVE ? Lifecycle.NONE : state.since();
        lastNotified = state.lastNotified();
        firedAt = state.firedAt();
        repeats = state.repeats() == null || state.repeats().length != runtime.rule.actions().size()
                ? null : state.repeats().clone();
        muted = state.muted();
        value = state.value();
        tags = state.tags() == null ? Map.of() : state.tags();
    }

    /** What the board shows of the alert while it is pending or firing. */
    AlertStatus status(long now) {
        return new AlertStatus(episodeId, runtime.rule.name(), key.sensor(), key.metric(), key.group(), life.phase(),
                runtime.rule.severity().label(), value, life.since(), now);
    }

    /** The tags the alert carries: its group's for a grouped rule, else those of its newest reading. */
    Map<String, String> alertTags() {
        return key.tags(runtime.rule.derivation().groupBy(), tags);
    }

    /** The key as logs and mute reasons name it: {@code lab-1/temperature}, {@code room=lab}. */
    String label() {
        return key.label(runtime.rule.derivation().groupBy());
    }

    void remember(Reading reading) {
        tags = reading.tags();
    }
}
