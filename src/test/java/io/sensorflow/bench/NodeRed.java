package io.sensorflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Node-RED (from npm) running the flow users build for this job: MQTT in (QoS 1, JSON) → switch on value > 30 →
 * MQTT out, plus a file node appending every reading. Measured only when installed, e.g.
 * {@code npm install --prefix target/node-red node-red@4}.
 */
final class NodeRed implements AutoCloseable {

    private final Process process;
    private final Path readingsFile;
    private final String version;

    private NodeRed(Process process, Path readingsFile, String version) {
        this.process = process;
        this.readingsFile = readingsFile;
        this.version = version;
    }

    /** The red.js of an installation under {@code prefix}, if there is one. */
    static Path find(Path prefix) {
        Path red = prefix.resolve("node_modules/node-red/red.js");
        return Files.isRegularFile(red) ? red : null;
    }

    static NodeRed start(Path redJs, String brokerHost, int brokerPort, int httpPort, Path dir) throws Exception {
        Path readings = dir.resolve("readings.jsonl");
        Files.writeString(dir.resolve("flows.json"), """
                [
                  {"id":"b1","type":"mqtt-broker","name":"bench","broker":"%s","port":"%d","clientid":"node-red-bench",
                   "autoConnect":true,"usetls":false,"protocolVersion":"4","keepalive":"60","cleansession":true},
                  {"id":"t1","type":"tab","label":"bench"},
                  {"id":"in1","type":"mqtt in","z":"t1","topic":"sensors/+/temperature","qos":"1","datatype":"json",
                   "broker":"b1","nl":false,"rap":true,"inputs":0,"wires":[["sw1","f1"]]},
                  {"id":"sw1","type":"switch","z":"t1","property":"payload.value","propertyType":"msg",
                   "rules":[{"t":"gt","v":"30","vt":"num"}],"checkall":"true","outputs":1,"wires":[["out1"]]},
                  {"id":"out1","type":"mqtt out","z":"t1","topic":"alerts/node-red","qos":"1","retain":"false",
                   "broker":"b1","wires":[]},
                  {"id":"f1","type":"file","z":"t1","filename":"%s","filenameType":"str","appendNewline":true,
                   "createDir":true,"overwriteFile":"false","encoding":"none","wires":[]}
                ]
                """.formatted(brokerHost, brokerPort, readings.toString().replace("\\", "/")));
        Files.writeString(dir.resolve("settings.js"), """
                module.exports = {
                  uiHost: "127.0.0.1", uiPort: %d, httpAdminRoot: false, httpNodeRoot: false,
                  flowFile: "flows.json", credentialSecret: false,
                  logging: { console: { level: "info" } }
                };
                """.formatted(httpPort));
        Path log = dir.resolve("node-red.log");
        Process process = new ProcessBuilder("node", redJs.toString(), "--settings", dir.resolve("settings.js").toString(),
                "--userDir", dir.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(log) || !Files.readString(log).contains("Connected to broker")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("node-red did not connect; see " + log);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        String packageJson = Files.readString(redJs.getParent().resolve("package.json"));
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(packageJson);
        return new NodeRed(process, readings, version.find() ? version.group(1) : "?");
    }

    /** Readings appended to the file so far. */
    long lines() throws IOException {
        if (!Files.exists(readingsFile)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(readingsFile)) {
            return lines.count();
        }
    }

    long linesOrZero() {
        try {
            return lines();
        } catch (IOException e) {
            return 0;
        }
    }

    String version() {
        return version;
    }

    double cpuSeconds() throws IOException {
        return Proc.cpuSeconds(process.pid());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static Duration timeout() {
        return Duration.ofMinutes(5);
    }
}
