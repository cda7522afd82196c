package io.sensorflow.rule;

import io.sensorflow.model.Reading;

import java.util.List;
import java.util.function.Consumer;

/**
 * The groups a reading counts for: the alert keys it feeds of the rules with a {@code group-by}. A cluster shards
 * alerts by their key, so a grouped alert lives in its group's shard while its readings come from sensors of many
 * shards; the intake sends each reading to those groups' shards as well as to its sensor's.
 *
 * <p>Immutable and thread-safe.
 */
public final class Groups {

    private final List<Rule> grouped;

    private Groups(List<Rule> grouped) {
        this.grouped = grouped;
    }

    public static Groups of(List<Rule> rules) {
        return new Groups(rules.stream().filter(rule -> !rule.derivation().groupBy().isEmpty()).toList());
    }

    /** No rule groups: every alert key is a sensor's. */
    public boolean isEmpty() {
        return grouped.isEmpty();
    }

    /**
     * Gives {@code group} the key of each grouped rule that takes {@code reading}, in rule order; a key twice when two
     * rules group the reading alike.
     */
    public void of(Reading reading, Consumer<AlertKey> group) {
        for (Rule rule : grouped) {
            if (reading.isState() && !rule.derivation().acceptsStates() || !rule.match().matches(reading)) {
                continue;
            }
            AlertKey key = rule.derivation().keyOf(reading);
            if (key != null) {
                group.accept(key);
            }
        }
    }
}
