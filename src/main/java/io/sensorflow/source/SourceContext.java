package io.sensorflow.source;

import io.sensorflow.telemetry.Metrics;
import org.apache.pekko.actor.ActorSystem;

import java.time.Clock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What every source gets from the daemon.
 *
 * @param decoder the pipeline's decode stage, for a source that must know what a message became before the commit
 *                (http-push answers which elements it rejected)
 * @param storeTrouble why the store cannot take writes now, or null while it can: a source that holds its sender
 *                     until the commit (http-push) answers at once instead of holding it for nothing
 * @param fetchesHere  whether this node fetches or makes what is named by a key (an http-poll source's URL, a
 *                     simulated sensor): always for a daemon alone; in a cluster for the keys of the shards this node
 *                     holds now, so that each is fetched by one node, and by another once its node leaves
 */
public record SourceContext(ActorSystem system, Clock clock, Metrics metrics, Decoder decoder,
                            Supplier<String> storeTrouble, Predicate<String> fetchesHere) {

    public SourceContext(ActorSystem system, Clock clock, Metrics metrics, Decoder decoder) {
        this(system, clock, metrics, decoder, () -> null);
    }

    public SourceContext(ActorSystem system, Clock clock, Metrics metrics, Decoder decoder,
                         Supplier<String> storeTrouble) {
        this(system, clock, metrics, decoder, storeTrouble, key -> true);
    }

    /** The key {@link #fetchesHere} asks about for {@code item} (a URL, a sensor) of {@code source}. */
    public static String fetchKey(String source, String item) {
        return source + " " + item;
    }
}
