package io.sensorflow.http;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.store.StoredDeadLetter;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * {@code GET /api/v1/dead-letters?from&to&source&reason&before&limit}: input that could not become readings (and
 * failed actions), newest first. {@code before} takes the {@code id} of the last one seen, for the next page. A
 * payload that is UTF-8 text is shown as text, any other as base64.
 */
final class DeadLettersApi extends ApiResource {

    static final String PATH = "dead-letters";


    DeadLettersApi(StoreQueries store) {
        super(PATH, store);
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
                    store -> store.deadLetters(listing.from(), listing.to(), origin, reason, before, listing.limit()),
                    letters -> complete(Responses.json(StatusCodes.OK, letters.stream().map(DeadLettersApi::view)
                            .toList())));
        });
    }

    /** One dead letter as the API shows it: a payload that is UTF-8 text as text, any other as base64. */
    private record View(long id, String source, String topic, String reason, String detail, String receivedAt,
                        String payloadEncoding, String payload, int payloadBytes) {
    }

    private static View view(StoredDeadLetter stored) {
        DeadLetter letter = stored.letter();
        String text = utf8(letter.payload());
        return new View(stored.id(), letter.origin(), letter.topic(), letter.reason(), letter.detail(),
                Instant.ofEpochMilli(letter.receivedAt()).toString(), text == null ? "base64" : "text",
                text == null ? Base64.getEncoder().encodeToString(letter.payload()) : text, letter.payload().length);
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
