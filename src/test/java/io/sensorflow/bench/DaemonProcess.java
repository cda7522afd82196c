package io.sensorflow.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The daemon under test as its own process, so that its CPU, memory and GC are its own and can be read from /proc. */
final class DaemonProcess implements AutoCloseable {

    /**
     * Writes {@code bench.conf} in {@code dir}: the API on {@code port}, SQLite in {@code dir}, one http-push source,
     * {@code pipeline} (HOCON inside {@code sensorflow.pipeline}) and {@code extra} (HOCON at the root).
     */
    static Path writePushConfig(Path dir, int port, String pipeline, String extra) throws IOException {
        Path config = dir.resolve("bench.conf");
        Files.writeString(config, """
                sensorflow {
                  http { host = "127.0.0.1", port = %d }
                  store { type = sqlite, path = "bench.db" }
                  sources { ingest { type = http-push } }
                  pipeline { %s }
                }
                %s
                """.formatted(port, pipeline, extra));
        return config;
    }

    private static final Pattern GC_PAUSE = Pattern.compile("Pause.* (\\d+\\.\\d+)ms$");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final int httpPort;
    private final Path gcLog;
    final long readyMillis;

    DaemonProcess(Path jar, Path config, int httpPort, Path dir, List<String> jvmOptions) throws Exception {
        this.httpPort = httpPort;
        this.gcLog = dir.resolve("gc.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Xlog:gc:file=" + gcLog);
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
        long start = System.nanoTime();
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("daemon.log").toFile()).start();
        long deadline = start + TimeUnit.SECONDS.toNanos(30);
        while (status("/health/ready") != 200) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("daemon not ready; see " + dir.resolve("daemon.log"));
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        readyMillis = (System.nanoTime() - start) / 1_000_000;
    }

    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Every line of /metrics that starts with {@code prefix}. */
    List<String> metricLines(String prefix) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return java.util.Arrays.stream(body.split("\n")).filter(line -> line.startsWith(prefix)).toList();
    }

    /**
     * Bytes the daemon has allocated so far, as its young generation saw them: client_java's
     * {@code jvm_memory_pool_allocated_bytes_total} of the eden pool ("G1 Eden Space", "Eden Space", ...), which
     * grows by eden's use at each young collection.
     */
    double edenAllocatedBytes() throws IOException, InterruptedException {
        double sum = 0;
        for (String line : metricLines("jvm_memory_pool_allocated_bytes_total{")) {
            if (line.contains("Eden")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** A counter from /metrics, e.g. {@code sensorflow_readings_stored_total}. */
    double metric(String name) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    double cpuSeconds() throws IOException {
        return Proc.cpuSeconds(process.pid());
    }

    /** Peak resident set size in MB (VmHWM). */
    double peakRssMb() throws IOException {
        return Proc.statusKb(process.pid(), "VmHWM") / 1024.0;
    }

    double rssMb() throws IOException {
        return Proc.statusKb(process.pid(), "VmRSS") / 1024.0;
    }

    /** The longest GC pause in the daemon's GC log, in ms. */
    double maxGcPauseMillis() throws IOException {
        double max = 0;
        if (Files.exists(gcLog)) {
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = GC_PAUSE.matcher(line.trim());
                if (m.find()) {
                    max = Math.max(max, Double.parseDouble(m.group(1)));
                }
            }
        }
        return max;
    }

    /** SIGTERM; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
