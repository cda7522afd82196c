package io.sensorflow.source.mqtt;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Sits between one MQTT connection's publish flow and the pipeline so that intake can stop without cancelling the
 * flow.
 *
 * <p>Cancelling the client's global publish flow while still connected would make the client acknowledge, and so
 * lose, every message that arrives before the disconnect (it acks messages no flow wants). Closing the gate instead
 * completes the pipeline's side at once, holds back anything that arrives later unacknowledged (the broker redelivers
 * it to the next session), and cancels upstream only when {@link #release()} is called after the disconnect.
 */
final class IntakeGate<T> implements Subscriber<T> {

    private final Subscriber<? super T> downstream;
    private Subscription upstream;
    private boolean closed;
    private boolean downstreamDone;
    private boolean cancelRequested;

    IntakeGate(Subscriber<? super T> downstream) {
        this.downstream = downstream;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        synchronized (this) {
            upstream = subscription;
        }
        downstream.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                Subscription up;
                synchronized (IntakeGate.this) {
                    if (closed) {
                        return;
                    }
                    up = upstream;
                }
                up.request(n);
            }

            @Override
            public void cancel() {
                // Deferred: see the class comment. Only release() cancels the client's flow.
                synchronized (IntakeGate.this) {
                    cancelRequested = true;
                    closed = true;
                }
            }
        });
    }

    @Override
    public synchronized void onNext(T item) {
        if (!closed) {
            downstream.onNext(item);
        }
    }

    @Override
    public synchronized void onError(Throwable error) {
        if (!downstreamDone) {
            downstreamDone = true;
            closed = true;
            downstream.onError(error);
        }
    }

    @Override
    public synchronized void onComplete() {
        if (!downstreamDone) {
            downstreamDone = true;
            closed = true;
            downstream.onComplete();
        }
    }

    /** Stops intake: the pipeline sees the end of the stream; later messages stay unacknowledged. */
    synchronized void close() {
        closed = true;
        if (!downstreamDone && !cancelRequested) {
            downstreamDone = true;
            downstream.onComplete();
        }
    }

    /** Ends the pipeline's side with an error (the connection is gone); later messages are held back. */
    synchronized void fail(Throwable error) {
        closed = true;
        if (!downstreamDone && !cancelRequested) {
            downstreamDone = true;
            downstream.onError(error);
        }
    }

    /** Cancels the client's flow; call only once the client is disconnected. */
    void release() {
        Subscription up;
        synchronized (this) {
            closed = true;
            up = upstream;
        }
        if (up != null) {
            up.cancel();
        }
    }
}
