package io.sensorflow.source.simulator;

import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Built-in sensors for demos and benchmarks: each sensor reports each metric once per interval, as a bounded random
 * walk or a sine wave, with optional spikes and dropouts. With a fixed seed the values are the same on every run.
 *
 * @param pattern            how values move
 * @param period             sine: the length of one wave, in event time
 * @param amplitude          sine: how far above and below its base a value swings
 * @param spikeProbability   chance per reading that it is a spike ({@code spikeSize} above its value)
 * @param dropoutProbability chance per sensor and interval that it falls silent for {@code dropoutDuration}
 * @param tags               tags every reading of this source carries, e.g. its zone
 */
public record SimulatorSourceConfig(String name, int sensors, Duration interval, List<String> metrics, long seed,
                                    String prefix, Pattern pattern, Duration period, double amplitude,
                                    double spikeProbability, double spikeSize, double dropoutProbability,
                                    Duration dropoutDuration, Map<String, String> tags) implements SourceConfig {

    public SimulatorSourceConfig {
        tags = Map.copyOf(tags);
    }

    /** How a simulated value moves. */
    public enum Pattern { RANDOM_WALK, SINE }

    public static SimulatorSourceConfig parse(Section s) {
        int sensors = s.integer("sensors", 1, 100_000);
        Duration interval = s.positiveDuration("interval");
        List<String> metrics = s.stringList("metrics");
        if (metrics.isEmpty() && s.has("metrics")) {
            s.problem("metrics", "must name at least one metric");
        }
        long seed = s.integer("seed", 0, Integer.MAX_VALUE);
        String prefix = s.string("sensor-prefix");
        Pattern pattern = s.enumValue("pattern", Pattern.class, Pattern.RANDOM_WALK);
        Duration period = s.positiveDuration("period");
        double amplitude = s.decimal("amplitude", 0, 1e9);
        Section spikes = s.section("spikes");
        double spikeProbability = spikes.decimal("probability", 0, 1);
        double spikeSize = spikes.decimal("size", -1e9, 1e9);
        Section dropouts = s.section("dropouts");
        double dropoutProbability = dropouts.decimal("probability", 0, 1);
        Duration dropoutDuration = dropouts.positiveDuration("duration");
        Map<String, String> tags = s.has("tags") ? s.stringMap("tags") : Map.of();
        return new SimulatorSourceConfig(s.name(), sensors, interval, metrics, seed, prefix, pattern, period, amplitude,
                spikeProbability, spikeSize, dropoutProbability, dropoutDuration, tags);
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new SimulatorSource(this, context);
    }

    @Override
    public String toString() {
        return "simulator source '" + name + "' " + sensors + " sensors x " + metrics + " every "
                + io.sensorflow.config.Durations.format(interval) + " (" + pattern.name().toLowerCase(java.util.Locale.ROOT)
                .replace('_', '-') + (spikeProbability > 0 ? ", spikes" : "") + (dropoutProbability > 0 ? ", dropouts" : "")
                + ", seed " + seed + (tags.isEmpty() ? "" : ", tags " + new TreeMap<>(tags)) + ")";
    }
}
