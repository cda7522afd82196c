package io.sensorflow.http;

import io.sensorflow.store.ReadingStore;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.Map;
import java.util.function.Function;

/**
 * One resource of the API under {@code /api/v1/}: it owns the first path segment it names, and its routes match what
 * follows. {@link HttpApi} mounts it there, so a resource cannot answer outside its own path.
 */
abstract class ApiResource extends AllDirectives {

    private final String path;
    private final StoreQueries store;

    /**
     * @param path  the first path segment under {@code /api/v1/} that this resource owns
     * @param store what its queries read, or null for a resource that reads none
     */
    ApiResource(String path, StoreQueries store) {
        this.path = path;
        this.store = store;
    }

    final String path() {
        return path;
    }

    /** The store as this resource queries it, for a resource that needs more than {@link #onStore}. */
    final StoreQueries queries() {
        return store;
    }

    /** The routes below {@code /api/v1/<path>}. */
    abstract Route routes();

    /** The routes, under the resource's own path: what is mounted under {@code /api/v1/}. */
    final Route route() {
        return pathPrefix(path(), this::routes);
    }

    /**
     * Answers with what {@code query} finds in the store. Both the query and the answer are built on the query
     * threads: the answer renders its JSON or CSV at once, which for a 24 h chart costs more than the query itself,
     * and on the threads that run the streams it would take the CPU that ingest needs.
     */
    <T> Route onStore(Function<ReadingStore, T> query, Function<T, Route> answer) {
        return onSuccess(store.run(s -> answer.apply(query.apply(s))), route -> route);
    }

    /** Parses a listing's parameters, or answers 400. */
    Route withListing(Map<String, String> params, long span, Function<Params.Listing, Route> inner) {
        Params.Listing listing;
        try {
            listing = Params.Listing.parse(params, span);
        } catch (IllegalArgumentException e) {
            return badRequest(e);
        }
        return inner.apply(listing);
    }

    Route badRequest(IllegalArgumentException e) {
        return complete(Responses.error(org.apache.pekko.http.javadsl.model.StatusCodes.BAD_REQUEST, e.getMessage()));
    }
}
