package io.sensorflow.rule;

import io.sensorflow.model.Acknowledgement;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alert episodes operators have acknowledged. The engine stops their {@code repeat-every} actions; the API shows
 * who acknowledged and why. HTTP adds, the rules stage reads.
 */
public final class Acknowledgements {

    private final Map<String, Acknowledgement> byEpisode = new ConcurrentHashMap<>();

    public void add(Acknowledgement ack) {
        byEpisode.put(ack.episode(), ack);
    }

    public void addAll(Collection<Acknowledgement> acks) {
        acks.forEach(this::add);
    }

    public Acknowledgement get(String episode) {
        return byEpisode.get(episode);
    }

    public boolean contains(String episode) {
        return byEpisode.containsKey(episode);
    }
}
