package io.sensorflow.source.simulator;

import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.time.Duration;
import java.util.List;

/**
 * Built-in sensors for demos and benchmarks: each sensor reports each metric once per interval as a bounded random
 * walk. With a fixed seed the values are the same on every run.
 */
public record SimulatorSourceConfig(String name, int sensors, Duration interval, List<String> metrics, long seed,
                                    String prefix) implements SourceConfig {

    public static SimulatorSourceConfig parse(Section s) {
        int sensors = s.integer("sensors", 1, 100_000);
        Duration interval = s.positiveDuration("interval");
        List<String> metrics = s.stringList("metrics");
        if (metrics.isEmpty() && s.has("metrics")) {
            s.problem("metrics", "must name at least one metric");
        }
        long seed = s.integer("seed", 0, Integer.MAX_VALUE);
        String prefix = s.string("sensor-prefix");
        s.string("type");
        s.rejectUnknownKeys();
        return new SimulatorSourceConfig(s.name(), sensors, interval, metrics, seed, prefix);
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new SimulatorSource(this, context);
    }

    @Override
    public String toString() {
        return "simulator source '" + name + "' " + sensors + " sensors x " + metrics + " every " + io.sensorflow.config.Durations.format(interval);
    }
}
