package io.sensorflow.rule;

import io.sensorflow.model.Acknowledgement;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alert episodes operators have acknowledged, each with its latest acknowledgement. The engine stops their
 * {@code repeat-every} actions; the API shows the latest, and knows which episodes it must read every acknowledgement
 * of from the store. HTTP adds, the rules stage reads. Kept in memory for {@link #KEEP_MILLIS} (what the daemon loads
 * at start, too) and at most {@link #MAX} episodes, the oldest going first: an acknowledgement matters only while its
 * episode may still repeat, and the store keeps every one.
 */
public final class Acknowledgements {

    static final int MAX = 10_000;
    public static final long KEEP_MILLIS = 30L * 24 * 3600 * 1000;

    private final Map<String, Acknowledgement> byEpisode = new ConcurrentHashMap<>();

    public void add(Acknowledgement ack) {
        byEpisode.put(ack.episode(), ack);
        if (byEpisode.size() > MAX) {
            prune(ack.at());
        }
    }

    private synchronized void prune(long now) {
        byEpisode.values().removeIf(a -> a.at() < now - KEEP_MILLIS);
        if (byEpisode.size() > MAX) {
            byEpisode.values().stream().sorted(java.util.Comparator.comparingLong(Acknowledgement::at))
                    .limit(byEpisode.size() - MAX).toList()
                    .forEach(a -> byEpisode.remove(a.episode(), a));
        }
    }

    int size() {
        return byEpisode.size();
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
