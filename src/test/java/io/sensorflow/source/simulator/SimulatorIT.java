package io.sensorflow.source.simulator;

import io.sensorflow.model.Reading;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Sql;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulator inside a real daemon: what it stores is what its seed says, and its spikes fire a rule. */
class SimulatorIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    @Test
    void storesTheSeededSequenceAndItsSpikesFireARule(TestConfig test) throws Exception {
        TestConfig config = test.named("sim");
        Path db = config.db();
        DAEMONS.start(config.with("""
                sources {
                  lab {
                    type = simulator, sensors = 3, interval = 100ms, metrics = [temperature], seed = 11,
                    sensor-prefix = "lab-", spikes { probability = 0.2, size = 40 }
                  }
                }
                """));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                Sql.count(db, "SELECT count(*) FROM readings_all r JOIN series s ON r.series = s.id "
                        + "WHERE s.sensor = 'lab-1'") >= 10
                        && Sql.count(db, "SELECT count(*) FROM alert_events WHERE rule = 'too-hot'") >= 1);

        List<Double> stored = new ArrayList<>();
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             var statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT r.value FROM readings_all r JOIN series s ON r.series = s.id "
                     + "WHERE s.sensor = 'lab-1' ORDER BY r.ts")) {
            while (rs.next()) {
                stored.add(rs.getDouble(1));
            }
        }
        SimulatorSourceConfig same = new SimulatorSourceConfig("lab", 3, Duration.ofMillis(100), List.of("temperature"),
                11, "lab-", SimulatorSourceConfig.Pattern.RANDOM_WALK, Duration.ofHours(1), 10, 0.2, 40, 0,
                Duration.ofMinutes(1), java.util.Map.of());
        SimulatorSource.Walk walk = new SimulatorSource.Walk(same);
        List<Double> expected = new ArrayList<>();
        for (int step = 0; step < stored.size(); step++) {
            walk.step(step).stream().filter(r -> r.sensor().equals("lab-1")).map(Reading::value).forEach(expected::add);
        }
        assertThat(stored).as("the seed decides the values, whatever the clock").isEqualTo(expected);
        assertThat(stored).anySatisfy(v -> assertThat(v).as("a spike").isGreaterThan(50));
    }
}
