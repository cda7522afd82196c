package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sensorflow.model.Silence;
import io.sensorflow.rule.Silences;
import io.sensorflow.store.ReadingStore;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

import java.util.Map;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * {@code /api/v1/silences}: mute the actions of matching alerts for a while. Silences persist; the rule engine sees
 * the set in force ({@link Silences}), replaced after every change.
 */
final class SilencesApi extends ApiResource {

    /** Silences in force or to come at once; the next is refused with 409. */
    static final int MAX_ACTIVE = 1_000;

    static final String PATH = "silences";


    private final Silences silences;

    SilencesApi(StoreQueries store, Silences silences) {
        super(PATH, store);
        this.silences = silences;
    }

    @Override
    Route routes() {
        return concat(
                pathEnd(() -> concat(
                        get(() -> parameterMap(this::list)),
                        post(() -> entity(Unmarshaller.entityToString(), this::create)))),
                path(segment(), id -> concat(
                        get(() -> one(id)),
                        delete(() -> expire(id)))));
    }

    /** {@code GET /api/v1/silences[?all=true]}: silences in force or to come (all: also those that ended). */
    private Route list(Map<String, String> params) {
        long since = "true".equals(params.get("all")) ? Long.MIN_VALUE : System.currentTimeMillis();
        return onStore(store -> store.silences(since), list -> complete(Responses.json(StatusCodes.OK, list)));
    }

    private Route one(String id) {
        return onStore(store -> find(store, id), found -> found == null
                ? complete(Responses.error(StatusCodes.NOT_FOUND, "no silence with id " + id))
                : complete(Responses.json(StatusCodes.OK, found)));
    }

    private static Silence find(ReadingStore store, String id) {
        return store.silences(Long.MIN_VALUE).stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    }

    /**
     * {@code POST /api/v1/silences} with {@code {"rule", "sensor", "metric", "group", "tags": {...}, "startsAt",
     * "endsAt" or "duration", "comment", "createdBy"}}: matchers are globs, at least one is required.
     */
    private Route create(String body) {
        Silence silence;
        try {
            silence = SilenceRequest.parse(Responses.JSON.readTree(body), System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            return badRequest(e);
        } catch (JsonProcessingException e) {
            return complete(Responses.error(StatusCodes.BAD_REQUEST, "the body must be a JSON object: "
                    + e.getOriginalMessage()));
        }
        return onStore(store -> {
            synchronized (silences) {
                // Each is checked against every alert's actions, and kept: the API may not grow them without bound.
                if (store.silences(System.currentTimeMillis()).size() >= MAX_ACTIVE) {
                    return null;
                }
                store.saveSilence(silence);
                reload(store);
            }
            return silence;
        }, saved -> saved == null
                ? complete(Responses.error(StatusCodes.CONFLICT, MAX_ACTIVE + " silences are in force or to come, "
                        + "the most there may be; end some first (DELETE /api/v1/silences/{id})"))
                : complete(Responses.json(StatusCodes.CREATED, saved)));
    }

    /** {@code DELETE /api/v1/silences/{id}}: ends the silence now; the record stays for the history. */
    private Route expire(String id) {
        return onStore(store -> {
            // One step with the store, so that a concurrent create cannot install an older snapshot.
            synchronized (silences) {
                Silence found = find(store, id);
                if (found == null) {
                    return null;
                }
                long now = System.currentTimeMillis();
                Silence ended = new Silence(found.id(), found.rule(), found.sensor(), found.metric(), found.group(),
                        found.tags(), Math.min(found.startsAt(), now), Math.min(found.endsAt(), now), found.comment(),
                        found.createdBy(), found.createdAt());
                store.saveSilence(ended);
                reload(store);
                return ended;
            }
        }, ended -> ended == null
                ? complete(Responses.error(StatusCodes.NOT_FOUND, "no silence with id " + id))
                : complete(Responses.json(StatusCodes.OK, ended)));
    }

    private void reload(ReadingStore store) {
        silences.replace(store.silences(System.currentTimeMillis()));
    }
}
