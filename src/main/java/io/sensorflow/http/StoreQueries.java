package io.sensorflow.http;

import io.sensorflow.store.ReadingStore;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The store as the API's resources ask it: each query on the API's own {@link QueryPool}, since JDBC blocks, the
 * threads that serve HTTP must not, and the threads that commit readings must never wait behind a query.
 */
record StoreQueries(ReadingStore store, QueryPool pool) {

    <T> CompletionStage<T> run(Function<ReadingStore, T> query) {
        return pool.run(() -> query.apply(store));
    }
}
