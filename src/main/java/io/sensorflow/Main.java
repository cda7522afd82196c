package io.sensorflow;

import io.sensorflow.cli.SensorflowCommand;

/** Entry point of the {@code sensorflow} command line. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int exit = SensorflowCommand.commandLine().execute(args);
        // "run" returns only when the daemon has stopped; every command ends the JVM with its exit code.
        System.exit(exit);
    }
}
