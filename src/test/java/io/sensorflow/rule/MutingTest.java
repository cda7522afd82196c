package io.sensorflow.rule;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Silence;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Silences and inhibition hold back actions while alert state keeps evolving and is recorded. */
class MutingTest {

    private static final Map<String, String> GW1 = Map.of("gateway", "gw-1");
    private static final Map<String, String> GW2 = Map.of("gateway", "gw-2");

    @Test
    void aFiringRuleInhibitsTheAlertsBehindItsGatewayOnly() {
        RuleHarness h = new RuleHarness("""
                gw-down { type = deadman, match { sensor = "gw-*" }, after = 1m, actions = [page]
                          inhibit { rules = ["hot*"], equal = [gateway] } }
                hot { match { sensor = "s*" }, when = "value > 30.0", actions = [fan] }
                """);
        h.read("gw-1", "heartbeat", 1, 0, GW1);
        h.read("gw-2", "heartbeat", 1, 0, GW2);
        h.read("gw-2", "heartbeat", 1, 50_000, GW2);
        assertThat(h.tick(60_000)).singleElement().extracting(AlertEvent::sensor).isEqualTo("gw-1");

        assertThat(h.read("s1", "t", 35, 61_000, GW1)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.FIRING);
            assertThat(e.actions()).isEmpty();
            assertThat(e.muted()).isEqualTo("inhibited by gw-down gw-1");
        });
        assertThat(h.read("s2", "t", 35, 61_000, GW2)).singleElement()
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
        h.read("gw-1", "heartbeat", 1, 62_000, GW1);
        assertThat(h.read("s1", "t", 20, 63_000, GW1)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(e.actions()).as("an episode that never switched the fan on does not switch it off").isEmpty();
        });
        assertThat(h.read("s1", "t", 35, 64_000, GW1)).singleElement()
                .satisfies(e -> assertThat(e.actions()).as("the gateway is back").containsExactly("fan"));
    }

    @Test
    void aRuleNeverInhibitsItself() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [fan], inhibit { rules = ["*"] } }
                """);
        assertThat(h.read("a", "t", 35, 0)).singleElement().satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
        assertThat(h.read("b", "t", 35, 0)).singleElement().satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
    }

    @Test
    void aSilenceMutesMatchingAlertsWhileItLastsAndOnlyThose() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [fan, { action = page, on = [firing], repeat-every = 1m }] }
                """);
        h.silences.replace(List.of(new Silence("s-1", "ho*", "a", "", "", Map.of(), 10_000, 100_000,
                "maintenance", "ops", 0)));
        assertThat(h.read("a", "t", 35, 5_000)).singleElement().as("before the silence starts")
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan", "page"));
        h.read("a", "t", 20, 6_000);
        List<AlertEvent> silenced = h.read("a", "t", 35, 20_000);
        assertThat(silenced).singleElement().satisfies(e -> {
            assertThat(e.actions()).isEmpty();
            assertThat(e.muted()).isEqualTo("silence s-1");
        });
        assertThat(h.tick(80_000)).as("no repeats of a muted episode").isEmpty();
        assertThat(h.read("b", "t", 35, 20_000)).singleElement()
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan", "page"));
        assertThat(h.board.snapshot()).extracting(AlertStatus::sensor).containsExactly("a", "b");
        h.read("a", "t", 20, 110_000);
        assertThat(h.read("a", "t", 35, 120_000)).singleElement().as("after the silence ends")
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan", "page"));
    }

    @Test
    void repeatsPauseDuringASilenceThatStartsWhileFiring() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [{ action = page, on = [firing], repeat-every = 1m }] }
                """);
        h.read("a", "t", 35, 0);
        h.silences.replace(List.of(new Silence("s-2", "hot", "", "", "", Map.of(), 30_000, 150_000, "night", "", 0)));
        assertThat(h.tick(60_000)).as("silenced").isEmpty();
        assertThat(h.tick(120_000)).isEmpty();
        assertThat(h.tick(180_000)).as("the silence is over: the repeat that is due runs").singleElement()
                .satisfies(e -> assertThat(e.repeat()).isTrue());
    }

    @Test
    void anAcknowledgedAlertStopsRepeatingButStillResolves() {
        RuleHarness h = new RuleHarness("""
                hot { when = "value > 30.0", actions = [fan, { action = page, on = [firing], repeat-every = 1m }] }
                """);
        String id = h.read("a", "t", 35, 0).get(0).id();
        assertThat(h.tick(60_000)).hasSize(1);
        h.acknowledgements.add(new io.sensorflow.model.Acknowledgement(id, 61_000, "maria", "on it"));
        assertThat(h.tick(120_000)).isEmpty();
        assertThat(h.read("a", "t", 20, 130_000)).singleElement()
                .satisfies(e -> assertThat(e.actions()).containsExactly("fan"));
    }
}
