package io.sensorflow.rule;

import io.sensorflow.model.AlertState;
import io.sensorflow.model.RuleState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * In a cluster, the firing alerts of inhibiting rules as the shared store last showed them, whichever shard fires
 * them: an alert whose inhibitor lives in another shard is muted by it too, a few seconds after that shard committed
 * it. The node's refresh replaces the set; the shards read it; neither blocks the other.
 */
public final class Inhibitions {

    private volatile List<Firing> firing = List.of();

    /** An inhibiting alert that fires: its rule's inhibit, and the tags the inhibit compares. */
    private record Firing(String rule, Inhibit inhibit, Map<String, String> tags, String label) {
    }

    /**
     * Takes the firing alerts of inhibiting rules from {@code states} (rule states as stored); states of rules that
     * are not in {@code rules}, or that do not inhibit, are left out.
     */
    public void replace(List<RuleState> states, Map<String, Rule> rules) {
        List<Firing> now = new ArrayList<>();
        for (RuleState state : states) {
            Rule rule = rules.get(state.rule());
            if (rule == null || rule.inhibit().isEmpty() || state.phase() != AlertState.FIRING) {
                continue;
            }
            String groupBy = rule.derivation().groupBy();
            AlertKey key = new AlertKey(state.sensor(), state.metric(), state.group());
            now.add(new Firing(rule.name(), rule.inhibit().get(), key.tags(groupBy, state.tags()), key.label(groupBy)));
        }
        firing = List.copyOf(now);
    }

    /** Why an alert of {@code rule} with {@code tags} is muted by an inhibitor firing elsewhere, or null. */
    String mutedBy(String rule, Map<String, String> tags) {
        for (Firing source : firing) {
            if (!source.rule().equals(rule) && source.inhibit().covers(rule) && source.inhibit().mutes(source.tags(),
                    tags)) {
                return Inhibit.reason(source.rule(), source.label());
            }
        }
        return null;
    }
}
