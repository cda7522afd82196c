package io.sensorflow.cluster;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.pipeline.LiveFeed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live views of every node show what all nodes commit: each node publishes its own commits (the newest reading of
 * each series per interval, already reduced by its {@link LiveFeed}, and its transitions) on one Pekko pub/sub topic,
 * and hands what the others publish to its own stream clients and gauges.
 */
public final class LiveRelay {

    static final String TOPIC = "sensorflow-live";

    /** One node's commits for the others. */
    record Update(String origin, List<Reading> readings, List<AlertEvent> events) implements ClusterMessage {
    }

    private LiveRelay() {
    }

    /** Joins the topic for {@code node}; from now on {@code feed} shows every node's commits. */
    public static void start(ActorSystem system, String node, LiveFeed feed) {
        org.apache.pekko.actor.typed.ActorSystem<Void> typed = Adapter.toTyped(system);
        ActorRef<Topic.Command<Update>> topic = typed.systemActorOf(Topic.create(Update.class, TOPIC), "live-topic",
                Props.empty());
        ActorRef<Update> receiver = typed.systemActorOf(Behaviors.receive(Update.class)
                .onMessage(Update.class, update -> {
                    if (!update.origin().equals(node)) {
                        Map<LiveFeed.Series, Reading> newest = new LinkedHashMap<>();
                        for (Reading reading : update.readings()) {
                            newest.put(new LiveFeed.Series(reading.sensor(), reading.metric()), reading);
                        }
                        feed.relayed(newest, update.events());
                    }
                    return Behaviors.same();
                }).build(), "live-receiver", Props.empty());
        topic.tell(Topic.subscribe(receiver));
        feed.relayTo(new LiveFeed.Listener() {
            @Override
            public void readings(Map<LiveFeed.Series, Reading> newest) {
                topic.tell(Topic.publish(new Update(node, new ArrayList<>(newest.values()), List.of())));
            }

            @Override
            public void transitions(List<AlertEvent> events) {
                topic.tell(Topic.publish(new Update(node, List.of(), List.copyOf(events))));
            }
        });
    }
}
