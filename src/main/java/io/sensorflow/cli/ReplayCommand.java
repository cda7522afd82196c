package io.sensorflow.cli;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;
import io.sensorflow.codec.ReadingFile;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.rule.testing.VirtualTime;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.telemetry.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code sensorflow replay}: runs recorded readings through the rules as fast as possible, in event time, and prints
 * the alert transitions. Actions are only shown, unless {@code --execute-actions}.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run recorded readings (.jsonl or .csv) through the config's rules in event time, as fast as "
                + "possible; print every alert transition and a summary. Actions are not executed unless "
                + "--execute-actions.")
final class ReplayCommand implements java.util.concurrent.Callable<Integer> {

    private static final int MAX_REPORTED_BAD_LINES = 20;

    @Mixin
    ConfigOption config;

    @Mixin
    InputOption input;

    @Option(names = "--execute-actions", description = "really run the actions (publish MQTT commands, log); "
            + "mqtt actions connect to their source's broker with the client id <client-id>-replay")
    boolean executeActions;

    @Option(names = {"-q", "--quiet"}, description = "print only the summary, not each transition")
    boolean quiet;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        return run(System.out, System.err);
    }

    int run(PrintStream out, PrintStream err) {
        SensorflowConfig loaded = config.loadOrReport(ConfigLoader.Scope.RULES, err);
        if (loaded == null) {
            return 1;
        }
        List<AutoCloseable> connections = new ArrayList<>();
        try (ReadingFile file = ReadingFile.open(input.file, "replay")) {
            Map<String, Action> actions = executeActions ? actions(loaded, connections) : Map.of();
            return replay(loaded, file, actions, out, err);
        } catch (IOException e) {
            err.println("cannot read " + input.file + ": " + e.getMessage());
            return 1;
        } catch (IllegalStateException e) {
            err.println(e.getMessage());
            return 1;
        } finally {
            for (AutoCloseable connection : connections) {
                try {
                    connection.close();
                } catch (Exception e) {
                    err.println("closing a connection failed: " + e.getMessage());
                }
            }
        }
    }

    private int replay(SensorflowConfig loaded, ReadingFile file, Map<String, Action> actions, PrintStream out,
                       PrintStream err) throws IOException {
        Metrics metrics = new Metrics();
        ProgressBar bar = new ProgressBar(err, progress.progress, "readings");
        long started = System.nanoTime();
        VirtualTime time = null;
        long readings = 0;
        long bad = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Map<String, long[]> transitions = new TreeMap<>();
        ReadingFile.Item item;
        while ((item = file.next()) != null) {
            if (item.reading() == null) {
                input.skipped(item, ++bad, MAX_REPORTED_BAD_LINES, err);
                continue;
            }
            long t = item.reading().timestamp();
            if (time == null) {
                // The clock starts at the first reading, so deadman watches start there too.
                time = new VirtualTime(List.copyOf(loaded.rules().values()), t,
                        loaded.pipeline().tickInterval().toMillis(), metrics);
            }
            readings++;
            first = Math.min(first, t);
            last = Math.max(last, t);
            // A reading older than the clock arrives now: it is late, as it would be in the daemon.
            for (AlertEvent event : time.deliver(item.reading(), Math.max(t, time.now()))) {
                report(loaded, event, actions, transitions, out, err);
            }
            bar.update(file.progress(), readings);
        }
        bar.finish(readings);
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf("%nreplayed %,d readings in %.2f s (%,.0f readings/s)%s%n", readings, seconds,
                readings / Math.max(seconds, 1e-9), bad == 0 ? "" : String.format(", skipped %,d bad lines", bad));
        if (readings > 0) {
            out.println("event time " + Instant.ofEpochMilli(first) + " to " + Instant.ofEpochMilli(last));
        }
        if (transitions.isEmpty()) {
            out.println("no alert transitions");
        }
        transitions.forEach((rule, counts) -> out.printf("  %-28s %,6d firing %,6d resolved%n", rule, counts[0],
                counts[1]));
        double late = sum(metrics, "sensorflow_late_readings");
        double errors = sum(metrics, "sensorflow_rule_errors");
        if (late > 0 || errors > 0) {
            out.printf("late readings ignored: %,.0f; conditions that failed: %,.0f%n", late, errors);
        }
        if (!executeActions) {
            out.println("actions were not executed (use --execute-actions)");
        }
        return 0;
    }

    private void report(SensorflowConfig loaded, AlertEvent event, Map<String, Action> actions,
                        Map<String, long[]> transitions, PrintStream out, PrintStream err) {
        if (!event.repeat()) {
            transitions.computeIfAbsent(event.rule(), r -> new long[2])[event.firing() ? 0 : 1]++;
        }
        if (!quiet) {
            StringBuilder line = new StringBuilder();
            line.append(Instant.ofEpochMilli(event.timestamp())).append(' ').append(event.rule()).append(' ')
                    .append(event.repeat() ? "repeat" : event.state().label());
            if (!event.group().isEmpty()) {
                line.append(" group=").append(event.group());
            } else {
                line.append(" sensor=").append(event.sensor());
                if (!event.metric().isEmpty()) {
                    line.append(" metric=").append(event.metric());
                }
            }
            line.append(" value=").append(event.value());
            if (event.muted() != null) {
                line.append(" (actions held back: ").append(event.muted()).append(')');
            }
            out.println(line);
            for (String name : event.actions()) {
                ActionConfig action = loaded.actions().get(name);
                out.println("    -> " + name + " " + (action == null ? "" : action.render(event)));
            }
        }
        for (String name : event.actions()) {
            Action action = actions.get(name);
            if (action == null) {
                continue;
            }
            try {
                action.execute(event).toCompletableFuture().get(loaded.pipeline().actionTimeout().toMillis() + 1000,
                        TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                err.println("action " + name + " failed for " + event.rule() + ": "
                        + (e.getCause() == null ? e : e.getCause()).getMessage());
            } 
        }
    }

    /**
     * Builds the actions, each connected to what its source offers outside the daemon (an mqtt action: a connection
     * of its own to that source's broker).
     */
    private static Map<String, Action> actions(SensorflowConfig loaded, List<AutoCloseable> connections) {
        Map<String, Object> opened = new LinkedHashMap<>();
        ActionContext.Connections standalone = (action, name, type) -> {
            SourceConfig source = loaded.sources().get(name);
            if (source == null) {
                throw new IllegalStateException("action " + action + " publishes through source '" + name
                        + "', which this config does not define; replay with the daemon's config to execute it");
            }
            Object connection = opened.computeIfAbsent(name, n -> source.standalone(type,
                    loaded.pipeline().actionTimeout()).map(c -> {
                        connections.add(c);
                        return (Object) c;
                    }).orElse(null));
            return Optional.ofNullable(connection).filter(type::isInstance);
        };
        return new ActionContext(standalone, loaded.pipeline().actionTimeout()).create(loaded.actions());
    }

    private static double sum(Metrics metrics, String name) {
        return metrics.registry().scrape().stream()
                .filter(m -> m.getMetadata().getPrometheusName().equals(name))
                .flatMap(m -> m.getDataPoints().stream())
                .mapToDouble(p -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p)
                        .getValue())
                .sum();
    }
}
