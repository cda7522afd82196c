package io.sensorflow.http;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.store.ReadingStore;
import io.sensorflow.store.StoredDeadLetter;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * {@code GET /api/v1/dead-letters?from&to&source&reason&before&limit}: input that could not become readings (and
 * failed actions), newest first. {@code before} takes the {@code id} of the last one seen, for the next page. A
 * payload that is UTF-8 text is shown as text, any other as base64.
 */
final class DeadLettersApi extends ApiResource {

    static final String PATH = "dead-letters";


    DeadLettersApi(ReadingStore store, Executor blocking) {
        super(PATH, store, blocking);
    }

    @Override
    Route routes() {
        return pathEnd(() -> get(() -> parameterMap(this::list)));
    }

    private Route list(Map<String, String> params) {
        String origin = params.get("source");
        String reason = params.get("reason");
        return withListing(params, Long.MAX_VALUE, listing -> {
            long before;
            try {
                before = params.containsKey("before") ? Params.wholeNumber(params.get("before"), "before")
                        : Long.MAX_VALUE;
            } catch (IllegalArgumentException e) {
                return badRequest(e);
            }
            return onStore(
                    () -> store().deadLetters(listing.from(), listing.to(), origin, reason, before, listing.limit()),
                    letters -> complete(Responses.json(StatusCodes.OK, letters.stream().map(DeadLettersApi::view)
                            .toList())));
        });
    }

    private static Map<String, Object> view(StoredDeadLetter stored) {
        DeadLetter letter = stored.letter();
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", stored.id());
        item.put("source", letter.origin());
        item.put("topic", letter.topic());
        item.put("reason", letter.reason());
        item.put("detail", letter.detail());
        item.put("receivedAt", Instant.ofEpochMilli(letter.receivedAt()).toString());
        String text = utf8(letter.payload());
        item.put("payloadEncoding", text == null ? "base64" : "text");
        item.put("payload", text == null ? Base64.getEncoder().encodeToString(letter.payload()) : text);
        item.put("payloadBytes", letter.payload().length);
        return item;
    }

    /** The payload as text if it is valid UTF-8 (stored payloads are cut at 4 KiB, perhaps inside a character). */
    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
