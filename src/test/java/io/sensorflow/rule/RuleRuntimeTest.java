package io.sensorflow.rule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RuleRuntimeTest {

    private static RuleRuntime runtime(String rule) {
        return new RuleRuntime(RuleHarness.parse(rule).get(0));
    }

    @Test
    void theKindStoredWithItsStatesNamesTypeMatchAndDerivation() {
        // Stored with every RuleState: a different text for the same rule would drop every alert at the next start.
        assertThat(runtime("""
                hot { match { sensor = "s-*", tags { room = "lab*" } }, when = "value > 30.0" }
                """).signature).isEqualTo("threshold | sensor=s-* metric=* tags={room=lab*} | threshold");
    }

    @Test
    void actionsAreSortedByTheTransitionsTheyRunOn() {
        RuleRuntime runtime = runtime("""
                hot { when = "value > 30.0", actions = [{ action = page, on = [firing] }, fan] }
                """);
        assertThat(runtime.onFiring).containsExactly("page", "fan");
        assertThat(runtime.onResolved).containsExactly("fan");
        assertThat(runtime.repeating).isFalse();
    }

    @Test
    void aRuleRepeatsWhenOneOfItsFiringActionsHasARepeatEvery() {
        assertThat(runtime("""
                hot { when = "value > 30.0", actions = [fan, { action = page, on = [firing], repeat-every = 5m }] }
                """).repeating).isTrue();
    }
}
