package io.sensorflow.cli;

import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.config.ConfigException;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --config FILE} option shared by the commands, with the default-file rule in one place. */
final class ConfigOption {

    static final Path DEFAULT = Path.of("config", "sensorflow.conf");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "HOCON config file (default: config/sensorflow.conf if present, else the one built into the jar)")
    Path file;

    /** @throws io.sensorflow.config.ConfigException listing every problem */
    SensorflowConfig load() {
        return load(ConfigLoader.Scope.DAEMON);
    }

    /** @throws io.sensorflow.config.ConfigException listing every problem */
    SensorflowConfig load(ConfigLoader.Scope scope) {
        if (file != null) {
            return ConfigLoader.load(file, scope);
        }
        return Files.isRegularFile(DEFAULT) ? ConfigLoader.load(DEFAULT, scope) : ConfigLoader.loadBundled();
    }

    /** Loads for {@code scope}, or prints every problem to {@code err} and answers null. */
    SensorflowConfig loadOrReport(ConfigLoader.Scope scope, PrintStream err) {
        try {
            return load(scope);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return null;
        }
    }

    String describe() {
        if (file != null) {
            return file.toString();
        }
        return Files.isRegularFile(DEFAULT) ? DEFAULT.toString() : "built-in default config";
    }
}
