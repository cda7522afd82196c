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
 *
 * <p>It also bounds the messages handed on and not yet {@link #acknowledged()} to {@code maxInFlight}, by asking the
 * client for no more than that. The broker's receive window should do this, but it is widened against brokers that
 * overrun it (MqttSource), and the HiveMQ client (1.4.2) walks every delivered, unacknowledged message on each
 * arriving message and each acknowledgement ({@code MqttIncomingPublishService.drain}): with 2,000 of them waiting
 * for their commit, that walk was a third of the daemon's CPU at saturation (docs/benchmarks.md).
 */
final class IntakeGate<T> implements Subscriber<T> {

    private final Subscriber<? super T> downstream;
    private final long maxInFlight;
    private Subscription upstream;
    private boolean closed;
    private boolean downstreamDone;
    private boolean cancelRequested;
    /** Demand from the pipeline not yet passed on to the client. */
    private long owed;
    /** Asked of the client and not delivered yet. */
    private long asked;
    /** Delivered and not acknowledged yet. */
    private long unacknowledged;

    IntakeGate(Subscriber<? super T> downstream) {
        this(downstream, Long.MAX_VALUE);
    }

    IntakeGate(Subscriber<? super T> downstream, long maxInFlight) {
        this.downstream = downstream;
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        synchronized (this) {
            upstream = subscription;
        }
        downstream.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                synchronized (IntakeGate.this) {
                    if (closed) {
                        return;
                    }
                    owed = owed + n < 0 ? Long.MAX_VALUE : owed + n;
                }
                pump();
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
        if (asked > 0) {
            asked--;
        }
        if (!closed) {
            unacknowledged++;
            downstream.onNext(item);
        }
    }

    /** A message this gate handed on has been acknowledged: room for one more. */
    void acknowledged() {
        synchronized (this) {
            if (unacknowledged > 0) {
                unacknowledged--;
            }
        }
        pump();
    }

    /** Passes on as much of the pipeline's demand as the in-flight bound allows (outside the lock: the client's). */
    private void pump() {
        Subscription up;
        long n;
        synchronized (this) {
            if (closed || upstream == null) {
                return;
            }
            long room = maxInFlight - unacknowledged - asked;
            n = Math.min(owed, room);
            if (n <= 0) {
                return;
            }
            owed -= n;
            asked += n;
            up = upstream;
        }
        up.request(n);
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
