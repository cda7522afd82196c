package io.sensorflow.source.mqtt;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayDeque;

/**
 * Sits between one MQTT connection's publish flow and the pipeline so that intake can stop without cancelling the
 * flow.
 *
 * <p>Cancelling the client's global publish flow while still connected would make the client acknowledge, and so
 * lose, every message that arrives before the disconnect (it acks messages no flow wants). Closing the gate instead
 * completes the pipeline's side at once, holds back anything that arrives later unacknowledged (the broker redelivers
 * it to the next session), and cancels upstream only when {@link #release()} is called after the disconnect.
 *
 * <p>It also bounds the messages taken from the client and not yet {@link #acknowledged()} to {@code maxInFlight},
 * and asks the client for all of that at once, whatever the pipeline's demand, holding what the pipeline has not
 * asked for yet. The HiveMQ client (1.4.2) walks every delivered, unacknowledged message on each arriving message
 * and each acknowledgement whenever it holds messages that no demand covers ({@code MqttIncomingPublishService
 * .drain}); with a pipeline that asks 16 at a time and 2,000 messages waiting for their commit, that walk was a third
 * of the daemon's CPU at saturation, and after a broker overran the window (MqttSource widens it to 65,535) it made
 * the daemon fall 20 s behind at 5,000 readings/s (docs/benchmarks.md). The messages held here are ones the broker
 * has sent already, within the window we announced: the client would hold them otherwise.
 */
final class IntakeGate<T> implements Subscriber<T> {

    private final Subscriber<? super T> downstream;
    private long maxInFlight;
    /** Taken from the client, not asked for by the pipeline yet; at most maxInFlight with the two counts below. */
    private final ArrayDeque<T> held = new ArrayDeque<>();
    private Subscription upstream;
    private boolean closed;
    private boolean downstreamDone;
    private boolean cancelRequested;
    private boolean emitting;
    /** Demand from the pipeline not yet met. */
    private long owed;
    /** Asked of the client and not delivered yet. */
    private long asked;
    /** Handed to the pipeline and not acknowledged yet. */
    private long unacknowledged;
    /** System.nanoTime() of the last message from the client. */
    private long lastArrival = System.nanoTime();

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
                    emit();
                }
            }

            @Override
            public void cancel() {
                // Deferred: see the class comment. Only release() cancels the client's flow.
                synchronized (IntakeGate.this) {
                    cancelRequested = true;
                    closed = true;
                    held.clear();
                }
            }
        });
        pump();
    }

    @Override
    public void onNext(T item) {
        synchronized (this) {
            if (asked > 0) {
                asked--;
            }
            lastArrival = System.nanoTime();
            if (closed) {
                // Held back unacknowledged: the broker sends it again to the next session.
                return;
            }
            held.add(item);
            emit();
        }
    }

    /** Hands held messages to the pipeline as far as its demand goes; under the lock, never re-entered. */
    private void emit() {
        if (emitting) {
            return;
        }
        emitting = true;
        try {
            while (owed > 0 && !closed && !held.isEmpty()) {
                owed--;
                unacknowledged++;
                downstream.onNext(held.poll());
            }
        } finally {
            emitting = false;
        }
    }

    /**
     * Whether every message the client gave is acknowledged and none came for {@code quietNanos}: after leaving a
     * shared subscription, what the broker had sent or queued for this session has all been taken in.
     */
    synchronized boolean settled(long quietNanos) {
        return held.isEmpty() && unacknowledged == 0 && System.nanoTime() - lastArrival >= quietNanos;
    }

    /** Raises the in-flight bound, for a window widened before its connection was made. */
    void widen(long newMaxInFlight) {
        synchronized (this) {
            maxInFlight = Math.max(maxInFlight, newMaxInFlight);
        }
        pump();
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

    /** Asks the client for as much as the in-flight bound allows (outside the lock: the client's). */
    private void pump() {
        Subscription up;
        long n;
        synchronized (this) {
            if (closed || upstream == null) {
                return;
            }
            n = maxInFlight - unacknowledged - held.size() - asked;
            if (n <= 0) {
                return;
            }
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

    /** Stops intake: the pipeline sees the end of the stream; held and later messages stay unacknowledged. */
    synchronized void close() {
        closed = true;
        held.clear();
        if (!downstreamDone && !cancelRequested) {
            downstreamDone = true;
            downstream.onComplete();
        }
    }

    /** Ends the pipeline's side with an error (the connection is gone); later messages are held back. */
    synchronized void fail(Throwable error) {
        closed = true;
        held.clear();
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
