package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Decides which actions run when an alert fires, resolves or is due to repeat, and names why they are held back when
 * they are not: a cooldown, a silence, or another rule that fires and inhibits this one.
 */
final class NotificationPolicy {

    private final Silences silences;
    private final Acknowledgements acknowledgements;
    /** The rules with an {@code inhibit}, consulted whenever another rule is about to run actions. */
    private final List<RuleRuntime> inhibitors;
    /** In a cluster, the inhibitors that fire in other shards. */
    private final Inhibitions elsewhere;

    NotificationPolicy(List<RuleRuntime> runtimes, Silences silences, Acknowledgements acknowledgements,
                       Inhibitions elsewhere) {
        this.silences = silences;
        this.elsewhere = elsewhere;
        this.acknowledgements = acknowledgements;
        this.inhibitors = runtimes.stream().filter(r -> r.rule.inhibit().isPresent()).toList();
    }

    /**
     * The slot's alert has just fired, at event time {@code timestamp}: a new episode began. The cooldown counts in
     * event time, as {@code for} does: readings of a minute of flapping that arrive within a second (a backlog after
     * an outage, a replay) are held back exactly as when they arrived live.
     */
    AlertEvent fired(AlertSlot slot, long timestamp, long now) {
        long cooldown = slot.runtime.rule.cooldown().toMillis();
        String heldBack = cooldown > 0 && slot.lastNotified != Lifecycle.NONE
                && timestamp - slot.lastNotified < cooldown ? "cooldown" : mutedBy(slot, now);
        List<String> actions;
        if (heldBack == null) {
            slot.lastNotified = timestamp;
            actions = slot.runtime.actionsOn(AlertState.FIRING);
        } else {
            actions = List.of();
        }
        // Kept for the whole episode: its resolved and its repeats are held back for the same reason.
        slot.muted = heldBack;
        slot.firedAt = now;
        if (slot.repeats != null) {
            Arrays.fill(slot.repeats, 0L);
        }
        return event(slot, slot.episodeId, AlertState.FIRING, timestamp, slot.life.since(), now, false, actions,
                heldBack);
    }

    /** The slot's episode {@code id}, begun at event time {@code since}, has just resolved at {@code timestamp}. */
    AlertEvent resolved(AlertSlot slot, String id, long timestamp, long since, long now) {
        // An episode whose firing actions were held back must not send the matching "resolved" either: an actuator
        // would be switched off that was never switched on.
        String muted = slot.muted;
        List<String> actions = muted == null ? slot.runtime.actionsOn(AlertState.RESOLVED) : List.of();
        slot.muted = null;
        return event(slot, id, AlertState.RESOLVED, timestamp, since, now, false, actions, muted);
    }

    /**
     * The {@code repeat-every} actions of a firing alert that are due at {@code now}, as an event; null when none is
     * due, or the episode was muted when it fired, is acknowledged, or is muted now.
     */
    AlertEvent repeat(AlertSlot slot, long now) {
        if (slot.muted != null || acknowledgements.contains(slot.episodeId)) {
            return null;
        }
        if (mutedBy(slot, now) != null) {
            // Not counted: when a silence or an inhibition ends, the repeat that is due runs.
            return null;
        }
        List<ActionRef> refs = slot.runtime.rule.actions();
        if (slot.repeats == null) {
            slot.repeats = new long[refs.size()];
        }
        List<String> due = null;
        for (int i = 0; i < refs.size(); i++) {
            ActionRef ref = refs.get(i);
            if (!ref.repeats()) {
                continue;
            }
            long count = (now - slot.firedAt) / ref.repeatEvery().toMillis();
            if (count > slot.repeats[i]) {
                slot.repeats[i] = count;
                if (due == null) {
                    due = new ArrayList<>(1);
                }
                due.add(ref.action());
            }
        }
        if (due == null) {
            return null;
        }
        // A repeat is the clock's doing, not a reading's: it happens "now".
        return event(slot, slot.episodeId, AlertState.FIRING, now, slot.life.since(), now, true, due, null);
    }

    /** Why this alert's actions must be held back now: an inhibiting rule that fires, or a silence; else null. */
    private String mutedBy(AlertSlot slot, long now) {
        RuleRuntime runtime = slot.runtime;
        String rule = runtime.rule.name();
        Map<String, String> tags = slot.alertTags();
        for (RuleRuntime inhibitor : inhibitors) {
            Inhibit inhibit = inhibitor.rule.inhibit().get();
            if (inhibitor == runtime || !inhibit.covers(rule)) {
                continue;
            }
            for (AlertSlot source : inhibitor.active) {
                if (source.life.phase() == AlertState.FIRING && inhibit.mutes(source.alertTags(), tags)) {
                    return Inhibit.reason(inhibitor.rule.name(), source.label());
                }
            }
        }
        String inhibited = elsewhere.mutedBy(rule, tags);
        return inhibited != null ? inhibited : silences.mutedBy(rule, slot.key, tags, now);
    }

    private static AlertEvent event(AlertSlot slot, String id, AlertState state, long timestamp, long since, long now,
                                    boolean repeat, List<String> actions, String muted) {
        Rule rule = slot.runtime.rule;
        return new AlertEvent(id, rule.name(), slot.key.sensor(), slot.key.metric(), slot.key.group(), state,
                rule.severity().label(), slot.value, timestamp, since, now, slot.alertTags(), slot.inputs, repeat,
                actions, muted);
    }
}
