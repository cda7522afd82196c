package io.sensorflow.config;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The types of one kind of component (sources, payload formats, rule types, actions, stores), each under the name
 * that a config selects it by, in the order they are listed: the order every message names them in.
 *
 * @param <T> what a type is: a {@link ComponentType} that binds a config section, or a descriptor such as a payload
 *            format
 */
public final class Registry<T> {

    private final Map<String, T> types = new LinkedHashMap<>();

    private Registry(Function<T, String> name, List<T> list) {
        for (T type : list) {
            if (types.put(name.apply(type), type) != null) {
                throw new IllegalArgumentException("two types are named " + name.apply(type));
            }
        }
    }

    public static <T> Registry<T> of(Function<T, String> name, List<T> types) {
        return new Registry<>(name, types);
    }

    /** A registry of component types that bind a section into a config record. */
    @SafeVarargs
    public static <C> Registry<ComponentType<C>> of(ComponentType<C>... types) {
        return new Registry<>(ComponentType::name, List.of(types));
    }

    public Optional<T> get(String name) {
        return Optional.ofNullable(types.get(name));
    }

    public Collection<T> all() {
        return types.values();
    }

    /** Every name, comma-separated, for messages. */
    public String names() {
        return String.join(", ", types.keySet());
    }
}
