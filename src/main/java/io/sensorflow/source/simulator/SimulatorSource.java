package io.sensorflow.source.simulator;

import io.sensorflow.codec.TopicMatch;
import io.sensorflow.model.Reading;
import io.sensorflow.source.Acknowledgement;
import io.sensorflow.source.Envelope;
import io.sensorflow.source.Incoming;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceContext;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Source;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Generates readings for the configured sensors on a timer; see {@link SimulatorSourceConfig}. */
public final class SimulatorSource implements SensorSource {


    private final SimulatorSourceConfig config;
    private final Clock clock;
    private final SharedKillSwitch killSwitch;
    private final java.util.function.Predicate<String> makesHere;

    SimulatorSource(SimulatorSourceConfig config, SourceContext context) {
        this.config = config;
        this.clock = context.clock();
        this.makesHere = context.fetchesHere();
        this.killSwitch = KillSwitches.shared("simulator-" + config.name());
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Source<Incoming, NotUsed> incoming() {
        Walk walk = new Walk(config);
        return Source.tick(java.time.Duration.ZERO, config.interval(), Done.getInstance())
                // Every node of a cluster walks all sensors alike (one seed) and sends the readings of those whose
                // shard it holds, so that each simulated sensor speaks once, from one node at a time.
                .mapConcat(tick -> walk.step(clock.millis()).stream()
                        .filter(reading -> makesHere.test(SourceContext.fetchKey(config.name(), reading.sensor())))
                        .toList())
                // The readings are made here already: nothing to decode.
                .map(reading -> Incoming.decoded(config.name(), reading.timestamp(),
                        new TopicMatch("", reading.sensor(), reading.metric(), java.util.Map.of()),
                        Envelope.of(List.of(reading), Acknowledgement.NONE)))
                .via(killSwitch.flow())
                .mapMaterializedValue(cancellable -> NotUsed.getInstance());
    }

    @Override
    public Readiness readiness() {
        return Readiness.ready("source " + config.name());
    }

    @Override
    public void stopIntake() {
        killSwitch.shutdown();
    }

    @Override
    public String toString() {
        return config.toString();
    }

    /**
     * The simulated values. A random walk per sensor and metric stays within 15 of its base (temperatures hover in
     * the 20s and now and then pass 30); a sine swings {@code amplitude} around it over {@code period} of event time,
     * each sensor a little out of phase. Spikes add {@code spikes.size} to one reading; a dropout silences a whole
     * sensor for {@code dropouts.duration}. One seeded generator drives all of it, in a fixed order, so a seed gives
     * the same readings every run.
     */
    static final class Walk {
        private final SimulatorSourceConfig config;
        private final SplittableRandom random;
        private final double[] values;
        /** Per sensor: silent until this event time. */
        private final long[] silentUntil;
        /** The event time of the last step. */
        private long last = Long.MIN_VALUE;

        Walk(SimulatorSourceConfig config) {
            this.config = config;
            this.random = new SplittableRandom(config.seed());
            this.values = new double[config.sensors() * config.metrics().size()];
            this.silentUntil = new long[config.sensors()];
            for (int i = 0; i < values.length; i++) {
                values[i] = base(config.metrics().get(i % config.metrics().size())) + random.nextDouble(-2, 2);
            }
        }

        List<Reading> step(long clockNow) {
            // Two steps can run in one millisecond (ticks held back at start-up, then delivered together); each step
            // still gets a later event time, or the store would take its readings for redeliveries of the last.
            long now = last == Long.MIN_VALUE ? clockNow : Math.max(clockNow, last + 1);
            last = now;
            List<Reading> readings = new ArrayList<>(values.length);
            int metricCount = config.metrics().size();
            for (int sensor = 0; sensor < config.sensors(); sensor++) {
                // Drawn for every sensor every step, silent or not, so that one sensor's dropout does not shift
                // the values of all the others.
                boolean dropout = random.nextDouble() < config.dropoutProbability();
                if (dropout && now >= silentUntil[sensor]) {
                    silentUntil[sensor] = now + config.dropoutDuration().toMillis();
                }
                for (int m = 0; m < metricCount; m++) {
                    int i = sensor * metricCount + m;
                    String metric = config.metrics().get(m);
                    double base = base(metric);
                    double next = values[i] + random.nextDouble(-0.8, 0.8) + (base - values[i]) * 0.02;
                    values[i] = Math.max(base - 15, Math.min(base + 15, next));
                    boolean spike = random.nextDouble() < config.spikeProbability();
                    if (now < silentUntil[sensor]) {
                        continue;
                    }
                    double value = config.pattern() == SimulatorSourceConfig.Pattern.SINE
                            ? base + config.amplitude() * Math.sin(2 * Math.PI * now / config.period().toMillis()
                                    + sensor * 0.1)
                            : values[i];
                    if (spike) {
                        value += config.spikeSize();
                    }
                    readings.add(new Reading(config.prefix() + (sensor + 1), metric, Math.round(value * 100) / 100.0,
                            now, config.tags(), config.name()));
                }
            }
            return readings;
        }

        private static double base(String metric) {
            return switch (metric) {
                case "temperature" -> 25.0;
                case "humidity" -> 50.0;
                case "co2" -> 600.0;
                default -> 50.0;
            };
        }
    }
}
