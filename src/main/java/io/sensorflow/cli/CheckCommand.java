package io.sensorflow.cli;

import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sensorflow check}: validates a config without starting anything. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a config file and print every problem as FILE:LINE: key: message (exit 1), or OK with what it holds.")
final class CheckCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        try {
            SensorflowConfig loaded = config.load();
            loaded.warnings().forEach(System.out::println);
            // The counts make a config that loads but holds nothing (an include that names the wrong file) visible.
            System.out.println("OK: " + count(loaded.sources().size(), "source") + ", "
                    + count(loaded.rules().size(), "rule") + ", " + count(loaded.actions().size(), "action")
                    + " in " + config.describe());
            return 0;
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                System.out.println(problem);
            }
            System.err.println(e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems")
                    + " in " + config.describe());
            return 1;
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
