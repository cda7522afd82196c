package io.sensorflow.model;

import java.util.Map;

/**
 * Mutes the actions of matching alerts between {@code startsAt} and {@code endsAt}, while their state keeps evolving
 * and their transitions are still recorded. Matchers are globs; an empty one matches everything, a tag matcher does
 * not match an alert without that tag.
 */
public record Silence(String id, String rule, String sensor, String metric, String group, Map<String, String> tags,
                      long startsAt, long endsAt, String comment, String createdBy, long createdAt) {

    public Silence {
        rule = rule == null ? "" : rule;
        sensor = sensor == null ? "" : sensor;
        metric = metric == null ? "" : metric;
        group = group == null ? "" : group;
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        createdBy = createdBy == null ? "" : createdBy;
    }

    public boolean activeAt(long now) {
        return startsAt <= now && now < endsAt;
    }
}
