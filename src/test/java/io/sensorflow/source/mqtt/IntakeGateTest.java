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
    void passesDemandAndMessagesThroughWhileOpen() {
        downstream.subscription.request(5);
        gate.onNext("a");
        assertThat(upstream.requested).isEqualTo(5);
        assertThat(downstream.items).containsExactly("a");
    }

    @Test
    void closingCompletesThePipelineButKeepsTheClientFlowUntilReleased() {
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
        gate.onNext("held back");
        downstream.subscription.request(10);
        assertThat(downstream.items).isEmpty();
        assertThat(upstream.requested).isZero();
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
    void asksTheClientForNoMoreThanTheInFlightBoundUntilMessagesAreAcknowledged() {
        Downstream pipeline = new Downstream();
        Upstream client = new Upstream();
        IntakeGate<String> bounded = new IntakeGate<>(pipeline, 3);
        bounded.onSubscribe(client);
        pipeline.subscription.request(10);
        assertThat(client.requested).isEqualTo(3);
        bounded.onNext("a");
        bounded.onNext("b");
        bounded.onNext("c");
        assertThat(client.requested).as("three wait for their commit").isEqualTo(3);
        bounded.acknowledged();
        assertThat(client.requested).isEqualTo(4);
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
        pipeline.subscription.request(100);
        assertThat(client.requested).isEqualTo(9);
        bounded.onNext("g");
        bounded.acknowledged();
        assertThat(client.requested).isEqualTo(10);
        assertThat(pipeline.items).containsExactly("a", "b", "c", "d", "e", "f", "g");
    }
}
