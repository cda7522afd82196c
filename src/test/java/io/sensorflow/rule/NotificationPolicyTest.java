package io.sensorflow.rule;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Silence;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which actions a transition runs, and why they are held back: the policy alone, on alerts set up by hand. */
class NotificationPolicyTest {

    private static final Map<String, String> GW1 = Map.of("gateway", "gw-1");
    private static final Map<String, String> GW2 = Map.of("gateway", "gw-2");

    private final Silences silences = new Silences();
    private final Acknowledgements acknowledgements = new Acknowledgements();
    private List<RuleRuntime> runtimes;
    private NotificationPolicy policy;

    private void rules(String rules) {
        runtimes = RuleHarness.parse(rules).stream().map(RuleRuntime::new).toList();
        policy = new NotificationPolicy(runtimes, silences, acknowledgements, new Inhibitions());
    }

    private AlertSlot alert(String rule, String sensor, Map<String, String> tags) {
        RuleRuntime runtime = runtimes.stream().filter(r -> r.rule.name().equals(rule)).findFirst().orElseThrow();
        AlertSlot slot = new AlertSlot(runtime, AlertKey.series(sensor, "t"), null);
        slot.tags = tags;
        return slot;
    }

    /** A new episode from {@code since}, as the engine has it when it asks the policy. */
    private static AlertSlot firingSince(AlertSlot slot, long since) {
        slot.life = new Lifecycle.State(AlertState.FIRING, since, Lifecycle.NONE, since, since);
        slot.episodeId = "episode-" + since;
        return slot;
    }

    private AlertEvent fire(AlertSlot slot, long now) {
        return policy.fired(firingSince(slot, now), now, now);
    }

    private AlertEvent resolve(AlertSlot slot, long now) {
        long since = slot.life.since();
        slot.life = Lifecycle.State.INITIAL;
        return policy.resolved(slot, slot.episodeId, now, since, now);
    }

    @Test
    void cooldownHoldsBackTheFiringAndResolvedActionsOfANewEpisode() {
        rules("""
                hot { when = "value > 30.0", cooldown = 10m, actions = [fan] }
                """);
        AlertSlot a = alert("hot", "a", Map.of());
        assertThat(fire(a, 0).actions()).containsExactly("fan");
        assertThat(resolve(a, 60_000).actions()).containsExactly("fan");

        AlertEvent again = fire(a, 120_000);
        assertThat(again.actions()).isEmpty();
        assertThat(again.muted()).isEqualTo("cooldown");
        AlertEvent resolved = resolve(a, 180_000);
        assertThat(resolved.actions()).isEmpty();
        assertThat(resolved.muted()).isEqualTo("cooldown");

        assertThat(fire(a, 600_000).actions()).as("the cooldown counts from the last actions that ran")
                .containsExactly("fan");
    }

    @Test
    void cooldownCountsInEventTimeSoABacklogOfFlapsIsHeldBackAsIfLive() {
        rules("""
                hot { when = "value > 30.0", cooldown = 15s, actions = [fan] }
                """);
        AlertSlot a = alert("hot", "a", Map.of());
        long now = 1_000;
        List<Long> ran = new ArrayList<>();
        // A minute of flapping, a firing every 2 s of event time, all arriving within one processing millisecond.
        for (long t = 0; t < 60_000; t += 2_000) {
            if (!policy.fired(firingSince(a, t), t, now).actions().isEmpty()) {
                ran.add(t);
            }
            a.life = Lifecycle.State.INITIAL;
        }
        assertThat(ran).containsExactly(0L, 16_000L, 32_000L, 48_000L);
    }

    @Test
    void anActiveSilenceMutesTheAlertsItMatchesOnly() {
        rules("""
                hot { when = "value > 30.0", actions = [fan] }
                """);
        silences.replace(List.of(new Silence("s-1", "hot", "a", "", "", Map.of(), 10_000, 100_000, "", "", 0)));
        AlertSlot a = alert("hot", "a", Map.of());
        assertThat(fire(a, 5_000).muted()).as("before it starts").isNull();
        resolve(a, 6_000);

        AlertEvent silenced = fire(a, 20_000);
        assertThat(silenced.actions()).isEmpty();
        assertThat(silenced.muted()).isEqualTo("silence s-1");
        assertThat(fire(alert("hot", "b", Map.of()), 20_000).actions()).containsExactly("fan");
        resolve(a, 30_000);
        assertThat(fire(a, 100_000).actions()).as("after it ends").containsExactly("fan");
    }

    @Test
    void aFiringInhibitorMutesTheAlertsThatShareItsEqualTags() {
        rules("""
                gw-down { match { metric = "up" }, when = "value < 1.0", actions = [page]
                          inhibit { rules = ["hot*"], equal = [gateway] } }
                hot { when = "value > 30.0", actions = [fan] }
                """);
        AlertSlot gateway = alert("gw-down", "gw-1", GW1);
        gateway.life = new Lifecycle.State(AlertState.PENDING, 0, Lifecycle.NONE, 0, 0);
        gateway.runtime.active.add(gateway);
        assertThat(fire(alert("hot", "s1", GW1), 1_000).actions()).as("a pending inhibitor mutes nothing")
                .containsExactly("fan");

        firingSince(gateway, 2_000);
        AlertEvent behindIt = fire(alert("hot", "s2", GW1), 3_000);
        assertThat(behindIt.actions()).isEmpty();
        assertThat(behindIt.muted()).isEqualTo("inhibited by gw-down gw-1/t");
        assertThat(fire(alert("hot", "s3", GW2), 3_000).actions()).containsExactly("fan");
    }

    @Test
    void aFiringRuleDoesNotInhibitItsOwnAlerts() {
        rules("""
                hot { when = "value > 30.0", actions = [fan], inhibit { rules = ["*"] } }
                """);
        AlertSlot a = alert("hot", "a", Map.of());
        fire(a, 0);
        a.runtime.active.add(a);
        assertThat(fire(alert("hot", "b", Map.of()), 0).actions()).containsExactly("fan");
    }

    @Test
    void repeatEveryRunsTheRepeatingActionsOncePerPeriodUntilAcknowledged() {
        rules("""
                hot { when = "value > 30.0", actions = [fan, { action = page, on = [firing], repeat-every = 1m }] }
                """);
        AlertSlot a = alert("hot", "a", Map.of());
        fire(a, 0);
        assertThat(policy.repeat(a, 59_999)).isNull();
        assertThat(policy.repeat(a, 60_000)).satisfies(e -> {
            assertThat(e.repeat()).isTrue();
            assertThat(e.id()).isEqualTo(a.episodeId);
            assertThat(e.actions()).containsExactly("page");
        });
        assertThat(policy.repeat(a, 60_500)).as("once per period").isNull();

        acknowledgements.add(new Acknowledgement(a.episodeId, 61_000, "maria", "on it"));
        assertThat(policy.repeat(a, 120_000)).isNull();
        assertThat(resolve(a, 130_000).actions()).as("it still resolves").containsExactly("fan");
    }

    @Test
    void aRepeatHeldBackBySilenceRunsWhenTheSilenceEndsButAMutedEpisodeNeverRepeats() {
        rules("""
                hot { when = "value > 30.0", actions = [{ action = page, on = [firing], repeat-every = 1m }] }
                """);
        AlertSlot a = alert("hot", "a", Map.of());
        fire(a, 0);
        silences.replace(List.of(new Silence("s-2", "hot", "", "", "", Map.of(), 30_000, 150_000, "", "", 0)));
        assertThat(policy.repeat(a, 60_000)).isNull();
        assertThat(policy.repeat(a, 180_000)).as("due since 60 s, sent once").isNotNull()
                .extracting(AlertEvent::actions).isEqualTo(List.of("page"));

        AlertSlot b = alert("hot", "b", Map.of());
        silences.replace(List.of(new Silence("s-3", "hot", "", "", "", Map.of(), 200_000, 250_000, "", "", 0)));
        assertThat(fire(b, 200_000).muted()).isEqualTo("silence s-3");
        assertThat(policy.repeat(b, 400_000)).as("its firing was muted").isNull();
    }
}
