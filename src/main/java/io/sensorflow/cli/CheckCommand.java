package io.sensorflow.cli;

import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sensorflow check}: validates a config without starting anything. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a config file and print every problem as FILE:LINE: key: message (exit 1), or OK.")
final class CheckCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        try {
            config.load().warnings().forEach(System.out::println);
            System.out.println("OK");
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
}
