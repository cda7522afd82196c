package io.sensorflow.config;

import com.typesafe.config.ConfigOrigin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects problems during one validation pass instead of stopping at the first. */
public final class Problems {

    private final List<ConfigProblem> list = new ArrayList<>();

    public void add(ConfigOrigin origin, String key, String message) {
        list.add(ConfigProblem.at(origin, key, message));
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public List<ConfigProblem> sorted() {
        return list.stream()
                .sorted(Comparator.comparing(ConfigProblem::file).thenComparingInt(ConfigProblem::line)
                        .thenComparing(ConfigProblem::key))
                .distinct()
                .toList();
    }
}
