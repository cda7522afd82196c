package io.sensorflow.http;

import io.sensorflow.store.ReadingStore;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The store as the API's resources ask it: each query on the blocking executor, since JDBC blocks and the threads
 * that serve HTTP must not.
 */
record StoreQueries(ReadingStore store, Executor blocking) {

    <T> CompletionStage<T> run(Function<ReadingStore, T> query) {
        return CompletableFuture.supplyAsync(() -> query.apply(store), blocking);
    }
}
