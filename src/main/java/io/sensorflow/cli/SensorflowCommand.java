package io.sensorflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sensorflow}: the top-level command, which only groups the subcommands. */
@Command(name = "sensorflow", mixinStandardHelpOptions = true, versionProvider = SensorflowCommand.Version.class,
        description = "Real-time sensor stream processor: MQTT feeds in, rules, actions out, every reading stored.",
        subcommands = {RunCommand.class, CheckCommand.class, TestCommand.class, ReplayCommand.class,
                ExportCommand.class, ImportCommand.class,
                CommandLine.HelpCommand.class})
public final class SensorflowCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static CommandLine commandLine() {
        return new CommandLine(new SensorflowCommand());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, check, test, replay, export or import");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SensorflowCommand.class.getPackage().getImplementationVersion();
            return new String[]{"sensorflow " + (version == null ? "(development build)" : version)};
        }
    }
}
