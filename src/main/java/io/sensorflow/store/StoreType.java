package io.sensorflow.store;

import java.util.function.Function;

/**
 * One store type that {@code store.type} can name: how to open it for the daemon (creating or migrating its
 * schema), and how to open it read-only beside a daemon that writes to it (exports).
 */
public record StoreType(String name, Function<StoreConfig, ReadingStore> open,
                        Function<StoreConfig, ReadingStore> openReadOnly) {
}
