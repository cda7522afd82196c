package io.sensorflow.jmh;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.telemetry.Metrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Rule matching and evaluation per reading, with the end-to-end benchmark's rule set: 100 threshold rules over
 * 10,000 sensors (each reading meets three rules), about 10 % of values above the threshold.
 */
@State(Scope.Thread)
public class RuleEngineBenchmark {

    private static final int SENSORS = 10_000;
    private RuleEngine engine;
    private Reading[] readings;
    private int next;

    @Setup
    public void setUp() {
        engine = harnessEngine(new Metrics());
        SplittableRandom random = new SplittableRandom(7);
        readings = new Reading[SENSORS * 10];
        for (int i = 0; i < readings.length; i++) {
            double value = random.nextInt(10) == 0 ? 31 + random.nextInt(5) : 20 + random.nextInt(10);
            readings[i] = new Reading(String.format("s-%05d", i % SENSORS), "temperature", value, 1_000_000L + i, "bench");
        }
        // Warm the match cache the way a running daemon has it.
        for (Reading reading : readings) {
            engine.onReading(reading);
        }
    }

    /** A rule engine with the end-to-end harness's 100 rules (BenchConfig's, without their actions). */
    static RuleEngine harnessEngine(Metrics metrics) {
        StringBuilder rules = new StringBuilder();
        for (int k = 0; k < 98; k++) {
            rules.append(String.format("g%03d { match { sensor = \"s-*%02d\" }, when = \"value > 30.0\", "
                    + "clear-when = \"value < 28.0\", for = %s }%n", k, k, k % 2 == 0 ? "0s" : "1s"));
        }
        rules.append("sanity-high { when = \"value > 1000.0\" }\nsanity-low { when = \"value < -100.0\" }\n");
        SensorflowConfig config = ConfigLoader.bind(ConfigFactory.parseString(
                "sensorflow { sources.demo { type = simulator }\n rules {\n" + rules + "} }"));
        return new RuleEngine(List.copyOf(config.rules().values()), Clock.systemUTC(), new AlertBoard(), metrics);
    }

    @Benchmark
    public List<AlertEvent> evaluateOneReading() {
        Reading template = readings[next];
        next = (next + 1) % readings.length;
        // Event time must move forward, or every reading after the first pass would be ignored as late.
        return engine.onReading(new Reading(template.sensor(), template.metric(), template.value(),
                template.timestamp() + System.nanoTime() / 1_000_000, "bench"));
    }
}
