package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the broker does with a shared subscription's messages when one member goes away, which scale-out over several
 * nodes (docs/scaling.md, "The broker and a node that dies") builds on. It pins the broker's behaviour, not ours:
 * should a Mosquitto release change it, this test says so before the cluster's tests do.
 *
 * <p>Two members of {@code $share/nodes/...}, each with a persistent session. One takes its share and acknowledges
 * none of it, then disconnects, as a node does that dies before its commits. The other member never gets any of those
 * messages, and keeps getting only its own share of later ones: the broker goes on routing the absent member's share
 * to its session. All of it reaches that member when it connects again with the same client id.
 */
class SharedSubscriptionIT {

    @RegisterExtension
    static final MosquittoBroker BROKER = new MosquittoBroker();

    private static final String FILTER = "$share/nodes/shared/#";
    private static final int EACH = 20;

    @Test
    void anAbsentMembersShareWaitsInItsSessionUntilItReturns() throws Exception {
        Set<String> atA = ConcurrentHashMap.newKeySet();
        Set<String> atB = ConcurrentHashMap.newKeySet();
        Mqtt5AsyncClient a = member("node-a", atA, false);
        Mqtt5AsyncClient b = member("node-b", atB, true);
        try (TestMqttClient sensors = new TestMqttClient(BROKER)) {
            publish(sensors, "first", EACH);
            await("the first messages shared out").atMost(Duration.ofSeconds(20))
                    .until(() -> atA.size() + atB.size() == EACH);
            assertThat(atA).as("the member that acknowledges nothing still got its share").isNotEmpty();
            Set<String> unacknowledged = Set.copyOf(atA);

            a.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
            publish(sensors, "second", EACH);
            await("the present member's share of the second messages").atMost(Duration.ofSeconds(20))
                    .until(() -> atB.stream().anyMatch(m -> m.startsWith("second")));
            await("nothing of the absent member's comes to the present one").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> Collections.disjoint(atB, unacknowledged) && secondCount(atB) < EACH);
            Set<String> secondAtB = atB.stream().filter(m -> m.startsWith("second")).collect(Collectors.toSet());
            assertThat(atB).as("nothing in flight to the absent member is handed to the other one")
                    .doesNotContainAnyElementsOf(unacknowledged);
            assertThat(secondAtB).as("the absent member's session keeps getting its share").hasSizeLessThan(EACH);

            Set<String> atReturn = ConcurrentHashMap.newKeySet();
            Mqtt5AsyncClient back = member("node-a", atReturn, true);
            Set<String> expected = new HashSet<>(unacknowledged);
            IntStream.rangeClosed(1, EACH).mapToObj(i -> "second-" + i).filter(m -> !secondAtB.contains(m))
                    .forEach(expected::add);
            await("the absent member's share delivered when it returns").atMost(Duration.ofSeconds(20))
                    .until(() -> atReturn.containsAll(expected));
            back.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
        } finally {
            b.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    /** A member with a persistent session; it acknowledges what it receives only if {@code acknowledge}. */
    private static Mqtt5AsyncClient member(String id, Set<String> received, boolean acknowledge) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost(BROKER.host()).serverPort(BROKER.port()).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, publish -> {
            received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
            if (acknowledge) {
                publish.acknowledge();
            }
        }, true);
        client.connectWith().cleanStart(false).sessionExpiryInterval(300).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
        client.subscribeWith().topicFilter(FILTER).qos(MqttQos.AT_LEAST_ONCE).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
        return client;
    }

    private static long secondCount(Set<String> received) {
        return received.stream().filter(m -> m.startsWith("second")).count();
    }

    private static void publish(TestMqttClient sensors, String prefix, int count) {
        for (int i = 1; i <= count; i++) {
            sensors.publish("shared/s-" + i, prefix + "-" + i);
        }
    }
}
