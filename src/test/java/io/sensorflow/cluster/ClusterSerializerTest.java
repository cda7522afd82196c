package io.sensorflow.cluster;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import io.sensorflow.model.Reading;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterSerializerTest {

    private static ActorSystem<Void> system;
    private static ClusterSerializer serializer;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "serializer-test");
        serializer = new ClusterSerializer((ExtendedActorSystem) Adapter.toClassic(system));
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    private static Object roundTrip(Object message) throws NotSerializableException {
        return serializer.fromBinary(serializer.toBinary(message), serializer.manifest(message));
    }

    @Test
    void readingsCrossWhole() throws Exception {
        ActorRef<RuleShard.Committed> replyTo = system.systemActorOf(Behaviors.empty(), "reply",
                org.apache.pekko.actor.typed.Props.empty());
        List<Reading> readings = List.of(
                new Reading("lab-1", "temperature", 21.5, 1_700_000_000_000L, Map.of("room", "lab", "floor", "2"),
                        "plant", "Cel"),
                Reading.ofState("door-7", "state", "open", 1_700_000_000_001L, Map.of(), "push"),
                new Reading("ünïcode-センサー", "m", -0.0, Long.MIN_VALUE, Map.of("long", "x".repeat(70_000)),
                        "s"));
        java.util.BitSet judgedOnly = new java.util.BitSet();
        judgedOnly.set(2);
        BatchLedger.BatchId id = new BatchLedger.BatchId(-7_301_234_567_890L, 12);
        RuleShard.Evaluate evaluate = new RuleShard.Evaluate(id, readings, judgedOnly, 42, replyTo);
        RuleShard.Evaluate back = (RuleShard.Evaluate) roundTrip(evaluate);
        assertThat(back.readings()).isEqualTo(readings);
        assertThat(back.judgedOnly()).isEqualTo(judgedOnly);
        assertThat(back.id()).isEqualTo(id);
        assertThat(((RuleShard.Evaluate) roundTrip(new RuleShard.Evaluate(id, readings, new java.util.BitSet(), 42,
                replyTo))).judgedOnly().isEmpty()).as("all to store").isTrue();
        assertThat(back.readings().get(1).value()).isNaN();
        assertThat(back.receivedAt()).isEqualTo(42);
        assertThat(back.replyTo()).isEqualTo(replyTo);

        assertThat(roundTrip(new RuleShard.Committed(readings.subList(0, 1))))
                .isEqualTo(new RuleShard.Committed(readings.subList(0, 1)));
        assertThat(roundTrip(RuleShard.Wake.INSTANCE)).isSameAs(RuleShard.Wake.INSTANCE);
    }

    @Test
    void liveUpdatesCrossWithTheirTransitions() throws Exception {
        AlertEvent firing = new AlertEvent("ep-1", "hot", "lab-1", "temperature", "", AlertState.FIRING, "critical",
                31.5, 1_000, 900, 1_001, Map.of("room", "lab"), Map.of("value", 31.5, "count", 3), true,
                List.of("fan", "page"), "silenced by ann");
        LiveRelay.Update update = new LiveRelay.Update("10.0.0.1:25520",
                List.of(new Reading("lab-1", "temperature", 31.5, 1_000, Map.of(), "plant")), List.of(firing));
        assertThat(roundTrip(update)).isEqualTo(update);
    }

    @Test
    void aMessageOfAnUnknownKindIsRefusedByName() {
        assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "Z")).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("unknown sensorflow cluster message 'Z'");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[8], "E")).as("a batch of a node of an older version")
                .isInstanceOf(NotSerializableException.class).hasMessageContaining("a node of another version?");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[] {0, 0}, "C"))
                .isInstanceOf(NotSerializableException.class).hasMessageContaining("could not be read");
    }
}
