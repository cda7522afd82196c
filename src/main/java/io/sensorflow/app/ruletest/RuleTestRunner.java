package io.sensorflow.app.ruletest;

import io.sensorflow.action.ActionConfig;
import io.sensorflow.config.Durations;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import io.sensorflow.rule.testing.VirtualTime;
import io.sensorflow.telemetry.Metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays each case of a {@link RuleTestFile} through a real rule engine in {@link VirtualTime} and compares
 * the transitions with the expected ones, in order. Readings are fed at their arrival time, and the clock ticks every
 * {@code tick} in between, exactly as the daemon's clock would move the rules on. At one instant, readings go
 * before the tick.
 */
public final class RuleTestRunner {

    private RuleTestRunner() {
    }

    /** The outcome of one case: the transitions it produced and, if it failed, why. */
    public record Result(String name, boolean passed, List<String> got, String report) {
    }

    public static List<Result> run(RuleTestFile file) {
        List<Result> results = new ArrayList<>();
        for (RuleTestFile.Case c : file.cases()) {
            results.add(run(file, c));
        }
        return results;
    }

    static Result run(RuleTestFile file, RuleTestFile.Case c) {
        List<AlertEvent> events = play(file, c).stream()
                .filter(e -> c.rules().isEmpty() || c.rules().contains(e.rule())).toList();
        List<String> got = events.stream().map(e -> describe(file, e)).toList();
        List<String> expected = c.expect().stream().map(RuleTestRunner::describe).toList();
        StringBuilder why = new StringBuilder();
        int n = Math.max(events.size(), c.expect().size());
        for (int i = 0; i < n; i++) {
            if (i >= events.size()) {
                why.append("  missing:    ").append(expected.get(i)).append(" (line ").append(c.expect().get(i).line())
                        .append(")\n");
            } else if (i >= c.expect().size()) {
                why.append("  unexpected: ").append(got.get(i)).append('\n');
            } else {
                String mismatch = mismatch(file, c.expect().get(i), events.get(i));
                if (mismatch != null) {
                    why.append("  at line ").append(c.expect().get(i).line()).append(": ").append(mismatch)
                            .append("\n    expected: ").append(expected.get(i))
                            .append("\n    got:      ").append(got.get(i)).append('\n');
                }
            }
        }
        if (why.isEmpty()) {
            return new Result(c.name(), true, got, "");
        }
        StringBuilder report = new StringBuilder(why);
        report.append("  all expected:\n");
        expected.forEach(line -> report.append("    ").append(line).append('\n'));
        report.append("  all got:\n");
        got.forEach(line -> report.append("    ").append(line).append('\n'));
        return new Result(c.name(), false, got, report.toString());
    }

    private static List<AlertEvent> play(RuleTestFile file, RuleTestFile.Case c) {
        long start = file.start();
        VirtualTime time = new VirtualTime(List.copyOf(file.config().rules().values()), start, file.tick(),
                new Metrics(), !c.restarts().isEmpty());
        List<AlertEvent> events = new ArrayList<>();
        List<Long> restarts = c.restarts().stream().sorted().toList();
        int nextRestart = 0;
        for (RuleTestFile.Input in : c.readings().stream()
                .sorted(Comparator.comparingLong(RuleTestFile.Input::arrive)).toList()) {
            while (nextRestart < restarts.size() && restarts.get(nextRestart) <= in.arrive()) {
                events.addAll(time.restart(start + restarts.get(nextRestart++)));
            }
            events.addAll(time.deliver(new Reading(in.sensor(), in.metric(), in.value(), start + in.at(), in.tags(),
                    "test"), start + in.arrive()));
        }
        while (nextRestart < restarts.size()) {
            events.addAll(time.restart(start + restarts.get(nextRestart++)));
        }
        events.addAll(time.advanceTo(start + RuleTestFile.end(c) + file.tick()));
        return events;
    }

    private static String mismatch(RuleTestFile file, RuleTestFile.Expected e, AlertEvent got) {
        long at = got.timestamp() - file.start();
        if (at != e.at()) {
            return "at differs";
        }
        if (!e.rule().equals(got.rule())) {
            return "rule differs";
        }
        if (e.state() != got.state()) {
            return "state differs";
        }
        if (e.sensor() != null && !e.sensor().equals(got.sensor())) {
            return "sensor differs";
        }
        if (e.metric() != null && !e.metric().equals(got.metric())) {
            return "metric differs";
        }
        if (e.group() != null && !e.group().equals(got.group())) {
            return "group differs";
        }
        if (e.repeat() != null && e.repeat() != got.repeat()) {
            return "repeat differs";
        }
        if (e.value() != null && Math.abs(e.value() - got.value()) > 1e-9 * Math.max(1, Math.abs(e.value()))) {
            return "value differs";
        }
        if (e.actions() != null) {
            List<Map<String, String>> rendered = render(file, got);
            if (rendered.size() != e.actions().size()) {
                return "actions differ: expected " + e.actions().size() + ", got " + rendered;
            }
            for (int i = 0; i < rendered.size(); i++) {
                for (Map.Entry<String, String> field : e.actions().get(i).entrySet()) {
                    String actual = rendered.get(i).get(field.getKey());
                    if (!field.getValue().equals(actual)) {
                        return "action " + (i + 1) + " " + field.getKey() + " differs: expected '" + field.getValue()
                                + "', got '" + actual + "'";
                    }
                }
            }
        }
        return null;
    }

    /**
     * The deliveries the event requires: what each action would send, with its name under {@code action} and the
     * delivery's idempotency key under {@code key}.
     */
    static List<Map<String, String>> render(RuleTestFile file, AlertEvent event) {
        List<Map<String, String>> result = new ArrayList<>();
        for (String name : event.actions()) {
            ActionConfig config = file.config().actions().get(name);
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("action", name);
            if (config != null) {
                fields.putAll(new java.util.TreeMap<>(config.render(event)));
            }
            // The outbox's delivery of this action: the key the receiver would get, the same on every attempt.
            fields.put("key", io.sensorflow.store.Delivery.idempotencyKey(event, name));
            result.add(fields);
        }
        return result;
    }

    private static String describe(RuleTestFile file, AlertEvent e) {
        StringBuilder s = new StringBuilder();
        s.append("at=").append(Durations.compact(e.timestamp() - file.start()))
                .append(" rule=").append(e.rule());
        if (!e.sensor().isEmpty()) {
            s.append(" sensor=").append(e.sensor());
        }
        if (!e.metric().isEmpty()) {
            s.append(" metric=").append(e.metric());
        }
        if (!e.group().isEmpty()) {
            s.append(" group=").append(e.group());
        }
        s.append(" state=").append(e.state().label());
        if (e.repeat()) {
            s.append(" repeat=true");
        }
        s.append(" value=").append(e.value());
        if (e.muted() != null) {
            s.append(" muted=").append(e.muted());
        }
        for (Map<String, String> action : render(file, e)) {
            s.append("\n        -> ").append(action);
        }
        return s.toString();
    }

    private static String describe(RuleTestFile.Expected e) {
        StringBuilder s = new StringBuilder();
        s.append("at=").append(Durations.compact(e.at())).append(" rule=").append(e.rule());
        if (e.sensor() != null) {
            s.append(" sensor=").append(e.sensor());
        }
        if (e.metric() != null) {
            s.append(" metric=").append(e.metric());
        }
        if (e.group() != null) {
            s.append(" group=").append(e.group());
        }
        s.append(" state=").append(e.state().label());
        if (e.repeat() != null) {
            s.append(" repeat=").append(e.repeat());
        }
        if (e.value() != null) {
            s.append(" value=").append(e.value());
        }
        if (e.actions() != null) {
            for (Map<String, String> action : e.actions()) {
                s.append("\n        -> ").append(action);
            }
        }
        return s.toString();
    }
}
