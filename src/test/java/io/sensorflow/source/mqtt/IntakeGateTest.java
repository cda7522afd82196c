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
}
