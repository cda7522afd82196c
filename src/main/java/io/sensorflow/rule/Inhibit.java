package io.sensorflow.rule;

import java.util.List;
import java.util.Map;

/**
 * While a rule with {@code inhibit { rules = [...], equal = [...] }} fires, the actions of the rules it names are held
 * back for alerts whose {@code equal} tags have the same values as the firing one: a "gateway offline" alert mutes
 * every sensor behind that gateway instead of paging for each of them.
 *
 * @param rules globs on the names of the rules it mutes (never itself)
 * @param equal tags that must be equal on both alerts; empty mutes every alert of those rules
 */
public record Inhibit(List<Glob> rules, List<String> equal) {

    public boolean covers(String rule) {
        for (Glob glob : rules) {
            if (glob.matches(rule)) {
                return true;
            }
        }
        return false;
    }

    /** The reason an alert muted by the firing alert {@code label} of rule {@code inhibitor} records. */
    static String reason(String inhibitor, String label) {
        return "inhibited by " + inhibitor + " " + label;
    }

    /** Whether the firing alert with {@code source} tags mutes an alert with {@code target} tags. */
    public boolean mutes(Map<String, String> source, Map<String, String> target) {
        for (String tag : equal) {
            String value = source.get(tag);
            if (value == null || !value.equals(target.get(tag))) {
                return false;
            }
        }
        return true;
    }
}
