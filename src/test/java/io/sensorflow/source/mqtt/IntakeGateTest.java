package io.sensorflow.source.mqtt;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IntakeGateTest {

    /** Records what the pipeline's side sees. */
    private static final class Downstream implements Subscriber<String> {
        Subscription subscription;
        final List<String> items = new ArrayList<>();
        boolean completed;
        Throwable error;

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(String item) {
            items.add(item);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    /** Records what the MQTT client's flow is asked. */
    private static final class Upstream implements Subscription {
        long requested;
        boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final Downstream downstream = new Downstream();
    private final Upstream upstream = new Upstream();
    private final IntakeGate<String> gate = new IntakeGate<>(downstream);

    @BeforeEach
    void subscribe() {
        gate.onSubscribe(upstream);
    }

    @Test
    void passesMessagesThroughAsThePipelineAsksAndHoldsTheRest() {
        assertThat(upstream.requested).as("everything the bound allows, whatever the pipeline asks").isPositive();
        gate.onNext("a");
        gate.onNext("b");
        gate.onNext("c");
        assertThat(downstream.items).isEmpty();
        downstream.subscription.request(2);
        assertThat(downstream.items).containsExactly("a", "b");
        downstream.subscription.request(5);
        gate.onNext("d");
        assertThat(downstream.items).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aPipelineThatAsksFromWithinOnNextGetsItsMessagesInOrder() {
        Upstream client = new Upstream();
        List<String> got = new ArrayList<>();
        IntakeGate<String> reentrant = new IntakeGate<>(new Subscriber<>() {
            private Subscription s;

            @Override
            public void onSubscribe(Subscription subscription) {
                s = subscription;
                s.request(1);
            }

            @Override
            public void onNext(String item) {
                got.add(item);
                s.request(1); // as Pekko's input buffer does
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        }, 10);
        reentrant.onSubscribe(client);
        for (String item : List.of("a", "b", "c")) {
            reentrant.onNext(item);
        }
        assertThat(got).containsExactly("a", "b", "c");
    }

    @Test
    void settlesOnlyOnceEverythingTakenIsAcknowledgedAndNothingCameForAWhile() {
        long quiet = java.util.concurrent.TimeUnit.DAYS.toNanos(1);
        assertThat(gate.settled(0)).as("nothing taken yet").isTrue();
        gate.onNext("a");
        assertThat(gate.settled(0)).as("held, not handed on").isFalse();
        downstream.subscription.request(1);
        assertThat(gate.settled(0)).as("handed on, not acknowledged").isFalse();
        gate.acknowledged();
        assertThat(gate.settled(0)).isTrue();
        assertThat(gate.settled(quiet)).as("a message came just now").isFalse();
    }

    @Test
    void closingDropsWhatItHeldUnacknowledged() {
        gate.onNext("held");
        gate.close();
        downstream.subscription.request(1);
        assertThat(downstream.items).as("the broker sends it again to the next session").isEmpty();
        assertThat(downstream.completed).isTrue();
    }

    @Test
    void closingCompletesThePipelineButKeepsTheClientFlowUntilReleased() {
        downstream.subscription.request(1);
        gate.onNext("a");
        gate.close();
        gate.onNext("arrived-after-close");
        assertThat(downstream.completed).isTrue();
        assertThat(downstream.items).containsExactly("a");
        assertThat(upstream.cancelled).as("cancelling while connected would make the client ack and drop").isFalse();
        gate.release();
        assertThat(upstream.cancelled).isTrue();
    }

    @Test
    void aCancelFromThePipelineIsDeferredUntilRelease() {
        downstream.subscription.cancel();
        long asked = upstream.requested;
        gate.onNext("held back");
        downstream.subscription.request(10);
        gate.acknowledged();
        assertThat(downstream.items).isEmpty();
        assertThat(upstream.requested).as("nothing more asked once cancelled").isEqualTo(asked);
        assertThat(upstream.cancelled).isFalse();
        gate.release();
        assertThat(upstream.cancelled).isTrue();
    }

    @Test
    void aLostConnectionFailsThePipelineSideOnce() {
        RuntimeException lost = new RuntimeException("lost");
        gate.fail(lost);
        gate.fail(new RuntimeException("again"));
        gate.onComplete();
        assertThat(downstream.error).isSameAs(lost);
        assertThat(downstream.completed).isFalse();
    }

    @Test
    void asksTheClientForTheWholeInFlightBoundAndMoreOnlyAsMessagesAreAcknowledged() {
        Downstream pipeline = new Downstream();
        Upstream client = new Upstream();
        IntakeGate<String> bounded = new IntakeGate<>(pipeline, 3);
        bounded.onSubscribe(client);
        assertThat(client.requested).as("before the pipeline asks: the client must never run out of demand")
                .isEqualTo(3);
        pipeline.subscription.request(1);
        bounded.onNext("a");
        bounded.onNext("b");
        bounded.onNext("c");
        assertThat(pipeline.items).containsExactly("a");
        assertThat(client.requested).as("one waits for its commit, two are held").isEqualTo(3);
        bounded.acknowledged();
        assertThat(client.requested).as("held messages count against the bound").isEqualTo(4);
        pipeline.subscription.request(10);
        bounded.acknowledged();
        bounded.acknowledged();
        assertThat(client.requested).isEqualTo(6);
        bounded.onNext("d");
        bounded.onNext("e");
        bounded.onNext("f");
        for (int i = 0; i < 3; i++) {
            bounded.acknowledged();
        }
        assertThat(client.requested).as("three asked for, none delivered yet").isEqualTo(9);
        bounded.acknowledged(); // one too many never widens the bound
        assertThat(client.requested).isEqualTo(9);
        bounded.onNext("g");
        bounded.acknowledged();
        assertThat(client.requested).isEqualTo(10);
        assertThat(pipeline.items).containsExactly("a", "b", "c", "d", "e", "f", "g");
    }
}
