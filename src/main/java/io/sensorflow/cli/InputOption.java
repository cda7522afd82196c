package io.sensorflow.cli;

import io.sensorflow.codec.ReadingFile;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** The {@code --input FILE} of the commands that read recorded readings (import, replay). */
final class InputOption {

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "readings as JSON lines ({\"sensor\", \"metric\", \"value\", \"timestamp\", \"tags\"}) or "
                    + "CSV with a header sensor,metric,value,timestamp[,tag columns...]: what export writes")
    Path file;

    /**
     * Says that the file's {@code item} was skipped, for the first {@code limit} such lines (a broken file must not
     * flood the terminal; the count comes at the end).
     *
     * @param count how many lines were skipped, this one included
     */
    void skipped(ReadingFile.Item item, long count, int limit, PrintStream err) {
        if (count <= limit) {
            err.println(file + ":" + item.line() + ": skipped: " + item.error());
        }
    }
}
