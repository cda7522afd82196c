package io.sensorflow.jmh;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.AlertBoard;
import io.sensorflow.rule.RuleEngine;
import io.sensorflow.rule.testing.ManualClock;
import io.sensorflow.telemetry.Metrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Readings per second through 1,000 rules over 10,000 sensors, per rule type: each rule matches the ten sensors
 * whose names end in its three digits, so the index must send each reading to one rule out of a thousand. Every
 * sensor reports once per second of event time; about 10 % of values are above the threshold.
 *
 * <ul>
 *   <li>{@code threshold}: {@code value > 30} with hysteresis and {@code for = 1s};</li>
 *   <li>{@code window}: sliding average, 5 min every 10 s (30 open windows per sensor);</li>
 *   <li>{@code combine}: temperature and humidity of each sensor together, readings alternating.</li>
 * </ul>
 */
@State(Scope.Thread)
public class RuleTypesBenchmark {

    private static final int SENSORS = 10_000;
    private static final long START = 1_795_000_000_000L;

    @Param({"threshold", "window", "combine"})
    public String type;

    private RuleEngine engine;
    private String[] sensors;
    private double[] values;
    private long i;

    @Setup
    public void setUp() {
        StringBuilder rules = new StringBuilder();
        for (int k = 0; k < 1000; k++) {
            String match = String.format("match { sensor = \"s-*%03d\" }", k);
            rules.append(String.format("r%03d { %s, %s }%n", k, match, switch (type) {
                case "threshold" -> "when = \"value > 30.0\", clear-when = \"value < 28.0\", for = 1s";
                case "window" -> "type = window, window = 5m, every = 10s, aggregate = avg, when = \"value > 30.0\"";
                case "combine" -> "type = combine, metrics = [temperature, humidity], max-age = 5m, "
                        + "when = \"temperature > 30.0 && humidity > 70.0\"";
                default -> throw new IllegalArgumentException(type);
            }));
        }
        SensorflowConfig config = ConfigLoader.bind(ConfigFactory.parseString("sensorflow { rules {\n" + rules + "} }"),
                ConfigLoader.Scope.RULES);
        engine = new RuleEngine(List.copyOf(config.rules().values()), new ManualClock(START), new AlertBoard(),
                new Metrics());
        sensors = new String[SENSORS];
        for (int s = 0; s < SENSORS; s++) {
            sensors[s] = String.format("s-%05d", s);
        }
        SplittableRandom random = new SplittableRandom(7);
        values = new double[SENSORS * 7 + 1];
        for (int v = 0; v < values.length; v++) {
            values[v] = random.nextInt(10) == 0 ? 31 + random.nextInt(50) : 20 + random.nextInt(10);
        }
        // A full pass over every sensor first, so the match index and the states exist as in a running daemon.
        for (int n = 0; n < SENSORS * 2; n++) {
            evaluateOneReading();
        }
    }

    @Benchmark
    public List<AlertEvent> evaluateOneReading() {
        long n = i++;
        int sensor = (int) (n % SENSORS);
        long round = n / SENSORS;
        String metric = type.equals("combine") && (round & 1) == 1 ? "humidity" : "temperature";
        return engine.onReading(new Reading(sensors[sensor], metric, values[(int) (n % values.length)],
                START + round * 1000, "bench"));
    }
}
