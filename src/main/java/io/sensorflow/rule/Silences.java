package io.sensorflow.rule;

import io.sensorflow.model.Silence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The silences in force, as the rule engine consults them: an alert that an active silence matches when it fires
 * keeps its state and its transitions are recorded, but it runs no action for that episode ({@code muted =
 * "silence <id>"}). HTTP replaces the set; the engine reads it; neither blocks the other.
 */
public final class Silences {

    private final AtomicReference<List<Compiled>> current = new AtomicReference<>(List.of());

    /** Replaces the set, e.g. after one was created or expired through the API. */
    public void replace(List<Silence> silences) {
        List<Compiled> compiled = new ArrayList<>(silences.size());
        for (Silence silence : silences) {
            compiled.add(new Compiled(silence));
        }
        current.set(List.copyOf(compiled));
    }

    /**
     * Why an alert's actions are held back right now: {@code "silence <id>"} for the first active silence that
     * matches it, or null.
     */
    public String mutedBy(String rule, AlertKey key, Map<String, String> tags, long now) {
        for (Compiled silence : current.get()) {
            if (silence.silence.activeAt(now) && silence.matches(rule, key, tags)) {
                return "silence " + silence.silence.id();
            }
        }
        return null;
    }

    private static final class Compiled {
        final Silence silence;
        final Glob rule;
        final Glob sensor;
        final Glob metric;
        final Glob group;
        final Map<String, Glob> tags = new HashMap<>();

        Compiled(Silence silence) {
            this.silence = silence;
            this.rule = glob(silence.rule());
            this.sensor = glob(silence.sensor());
            this.metric = glob(silence.metric());
            this.group = glob(silence.group());
            silence.tags().forEach((k, v) -> tags.put(k, Glob.of(v)));
        }

        private static Glob glob(String text) {
            return text.isEmpty() ? null : Glob.of(text);
        }

        boolean matches(String ruleName, AlertKey key, Map<String, String> alertTags) {
            if (rule != null && !rule.matches(ruleName) || sensor != null && !sensor.matches(key.sensor())
                    || metric != null && !metric.matches(key.metric()) || group != null && !group.matches(key.group())) {
                return false;
            }
            for (Map.Entry<String, Glob> tag : tags.entrySet()) {
                String value = alertTags.get(tag.getKey());
                if (value == null || !tag.getValue().matches(value)) {
                    return false;
                }
            }
            return true;
        }
    }
}
