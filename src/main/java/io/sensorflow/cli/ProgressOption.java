package io.sensorflow.cli;

import picocli.CommandLine.Option;

/** The {@code --[no-]progress} option shared by the commands that work through a file. */
final class ProgressOption {

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "show a progress bar on stderr when it is a terminal (default: on)")
    boolean progress;
}
