package io.sensorflow.action.webhook;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of a webhook's answer as far as an error message needs it: nothing of a 2xx (discarded as it arrives),
 * at most {@code limit} bytes of any other. A receiver answering with megabytes must not cost the daemon megabytes.
 */
final class ErrorBody implements HttpResponse.BodyHandler<String> {

    private final int limit;

    ErrorBody(int limit) {
        this.limit = limit;
    }

    @Override
    public HttpResponse.BodySubscriber<String> apply(HttpResponse.ResponseInfo info) {
        if (info.statusCode() >= 200 && info.statusCode() < 300) {
            return HttpResponse.BodySubscribers.replacing("");
        }
        return new Prefix(limit);
    }

    /** Keeps the first {@code limit} bytes, then stops reading (the connection is closed, not reused). */
    private static final class Prefix implements HttpResponse.BodySubscriber<String> {
        private final byte[] kept;
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private int size;
        private Flow.Subscription subscription;

        Prefix(int limit) {
            this.kept = new byte[limit];
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int n = Math.min(buffer.remaining(), kept.length - size);
                buffer.get(kept, size, n);
                size += n;
            }
            if (size == kept.length) {
                subscription.cancel();
                finish();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable error) {
            // What arrived is still worth showing; the status says what went wrong.
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            // Cut at a byte limit, a multi-byte character may be broken at the end: the decoder replaces it.
            result.complete(new String(kept, 0, size, StandardCharsets.UTF_8));
        }
    }
}
