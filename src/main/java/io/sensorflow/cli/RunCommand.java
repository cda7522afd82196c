package io.sensorflow.cli;

import io.sensorflow.app.Daemon;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code sensorflow run}: starts the daemon and blocks until it stops. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Start the daemon. SIGTERM or Ctrl-C drains in-flight readings, acknowledges them and exits 0.")
final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOption config;

    @Option(names = "--stop-after", paramLabel = "DURATION",
            description = "Stop, as on SIGTERM, this long after starting (e.g. 5s): a smoke test of a config, a demo, "
                    + "or the build's class-data training run (README, \"Start-up\").")
    String stopAfter;

    @Override
    public Integer call() {
        Duration stopIn = null;
        if (stopAfter != null) {
            try {
                stopIn = io.sensorflow.config.Durations.parse(stopAfter);
            } catch (IllegalArgumentException e) {
                System.err.println("sensorflow: --stop-after " + stopAfter + ": " + e.getMessage());
                return 1;
            }
        }
        SensorflowConfig loaded;
        try {
            loaded = config.load();
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                System.err.println(problem);
            }
            System.err.println("sensorflow: not started, " + config.describe() + " has problems (see above)");
            return 1;
        }
        LOG.info("config: {}", config.describe());
        // The handlers come first: a signal that arrives while the daemon starts (its API may already answer ready)
        // must not meet the JVM's own handling, which ends the process on HUP. It waits for the start instead.
        CompletableFuture<Daemon> started = new CompletableFuture<>();
        // Handling TERM and INT ourselves (instead of only the JVM shutdown hook) lets a requested stop exit 0.
        Signal.handle(new Signal("TERM"), signal -> started.thenAccept(Daemon::stop));
        Signal.handle(new Signal("INT"), signal -> started.thenAccept(Daemon::stop));
        // SIGHUP reloads rules and actions; the outcome goes to the log.
        if (Signal.handle(new Signal("HUP"), signal -> started.thenAccept(Daemon::reload)) == SignalHandler.SIG_IGN) {
            // A process started with HUP ignored (nohup, some supervisors) keeps ignoring it: the JVM installs no
            // handler then, and a reload by signal would do nothing without a word.
            LOG.warn("SIGHUP is ignored by this process (started under nohup?), so it cannot reload rules; use "
                    + "POST /api/v1/admin/reload, or start it without nohup");
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(loaded, java.time.Clock.systemUTC(), config::load);
        } catch (RuntimeException e) {
            LOG.error("sensorflow: could not start: {}", e.getMessage());
            LOG.debug("start failure", e);
            return 1;
        }
        started.complete(daemon);
        if (stopIn != null) {
            CompletableFuture.delayedExecutor(stopIn.toMillis(), TimeUnit.MILLISECONDS).execute(daemon::stop);
        }
        daemon.whenStopped().toCompletableFuture().join();
        return daemon.failed() ? 2 : 0;
    }
}
