package io.sensorflow.source.simulator;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorTest {

    private static final long T0 = 1_795_331_700_000L;

    private static SimulatorSourceConfig config(SimulatorSourceConfig.Pattern pattern, long seed, double spikes,
                                                double dropouts) {
        return new SimulatorSourceConfig("sim", 20, Duration.ofSeconds(1), List.of("temperature", "humidity"), seed,
                "sim-", pattern, Duration.ofMinutes(10), 5, spikes, 100, dropouts, Duration.ofSeconds(30), Map.of());
    }

    private static List<Reading> run(SimulatorSourceConfig config, int steps) {
        SimulatorSource.Walk walk = new SimulatorSource.Walk(config);
        List<Reading> all = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            all.addAll(walk.step(T0 + i * 1000L));
        }
        return all;
    }

    @Test
    void inAClusterANodeMakesOnlyTheSensorsWhoseShardItHolds() throws Exception {
        org.apache.pekko.actor.ActorSystem system = org.apache.pekko.actor.ActorSystem.create("sim-cluster");
        try {
            java.util.Set<String> held = java.util.Set.of("sim sim-2", "sim sim-7");
            SimulatorSource source = new SimulatorSource(config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 1, 0, 0),
                    new io.sensorflow.source.SourceContext(system, java.time.Clock.systemUTC(),
                            new io.sensorflow.telemetry.Metrics(), null, () -> null, held::contains));
            List<io.sensorflow.source.Incoming> first = source.incoming().take(4)
                    .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), system).toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first).as("the first step: two sensors, two metrics each")
                    .extracting(incoming -> incoming.decoded().readings().get(0).sensor())
                    .containsExactlyInAnyOrder("sim-2", "sim-2", "sim-7", "sim-7");
        } finally {
            system.terminate();
        }
    }

    @Test
    void theSameSeedGivesTheSameReadingsAndAnotherSeedOthers() {
        SimulatorSourceConfig a = config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 7, 0.01, 0.01);
        assertThat(run(a, 200)).isEqualTo(run(a, 200));
        assertThat(run(config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 8, 0.01, 0.01), 200)).isNotEqualTo(run(a, 200));
    }

    @Test
    void aRandomWalkStaysNearItsBaseAndEverySensorReportsEveryMetric() {
        List<Reading> readings = run(config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 1, 0, 0), 500);
        assertThat(readings).hasSize(500 * 20 * 2);
        assertThat(readings).filteredOn(r -> r.metric().equals("temperature"))
                .allSatisfy(r -> assertThat(r.value()).isBetween(10.0, 40.0));
        assertThat(readings).extracting(Reading::sensor).contains("sim-1", "sim-20");
    }

    @Test
    void aSineSwingsByItsAmplitudeOverItsPeriod() {
        List<Reading> readings = run(config(SimulatorSourceConfig.Pattern.SINE, 1, 0, 0), 600);
        List<Double> sensor1 = readings.stream().filter(r -> r.sensor().equals("sim-1") && r.metric().equals("temperature"))
                .map(Reading::value).toList();
        assertThat(sensor1.stream().mapToDouble(Double::doubleValue).max().orElseThrow()).isCloseTo(30.0,
                org.assertj.core.data.Offset.offset(0.1));
        assertThat(sensor1.stream().mapToDouble(Double::doubleValue).min().orElseThrow()).isCloseTo(20.0,
                org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void spikesAndDropoutsComeAtAboutTheirProbability() {
        List<Reading> spiky = run(config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 3, 0.05, 0), 500);
        long spikes = spiky.stream().filter(r -> r.metric().equals("temperature") && r.value() > 60).count();
        // 10,000 temperature readings at 5 %: about 500.
        assertThat(spikes).isBetween(380L, 620L);

        List<Reading> gappy = run(config(SimulatorSourceConfig.Pattern.RANDOM_WALK, 3, 0, 0.01), 500);
        // Each sensor is silent about 1 % of steps x 30 s of every 100 s: between a fifth and a half of all readings.
        assertThat(gappy.size()).isBetween(10_000, 16_000);
        // A silenced sensor stays silent for the whole duration: no gap shorter than 30 steps except at the end.
        List<Long> times = gappy.stream().filter(r -> r.sensor().equals("sim-5") && r.metric().equals("humidity"))
                .map(Reading::timestamp).toList();
        for (int i = 1; i < times.size(); i++) {
            long gap = times.get(i) - times.get(i - 1);
            assertThat(gap == 1000 || gap >= 31_000).as("gap of %d ms", gap).isTrue();
        }
    }

    @Test
    void everyReadingCarriesItsSourcesTagsSoThatTwoSourcesMakeTwoZones() {
        var config = ConfigLoader.bind(ConfigFactory.parseString("""
                sensorflow.sources {
                  north { type = simulator, sensors = 2, sensor-prefix = "gh-north-", tags { zone = north, house = 1 } }
                  south { type = simulator, sensors = 2, sensor-prefix = "gh-south-", tags { zone = south } }
                  plain { type = simulator, sensors = 1 }
                }
                """));
        SimulatorSourceConfig north = (SimulatorSourceConfig) config.sources().get("north");
        SimulatorSourceConfig south = (SimulatorSourceConfig) config.sources().get("south");

        assertThat(run(north, 3)).hasSize(3 * 2 * 2).allSatisfy(r -> {
            assertThat(r.sensor()).startsWith("gh-north-");
            assertThat(r.tags()).isEqualTo(Map.of("zone", "north", "house", "1"));
        });
        assertThat(run(south, 3)).allSatisfy(r -> assertThat(r.tags()).isEqualTo(Map.of("zone", "south")));
        assertThat(run((SimulatorSourceConfig) config.sources().get("plain"), 3))
                .allSatisfy(r -> assertThat(r.tags()).isEmpty());
        assertThat(north.toString()).contains("tags {house=1, zone=north}");
    }

    @Test
    void aTagMustBeAStringNotAnObject() {
        assertThatThrownBy(() -> ConfigLoader.bind(ConfigFactory.parseString(
                "sensorflow.sources.north { type = simulator, tags { zone { name = north } } }")))
                .hasMessageContaining("sensorflow.sources.north.tags.zone: must be a string");
    }
}
