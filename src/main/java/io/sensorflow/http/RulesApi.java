package io.sensorflow.http;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.rule.AlertStatus;
import io.sensorflow.rule.Rule;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code GET /api/v1/rules}: every rule in force, and its alerts that are pending or firing now. */
final class RulesApi extends ApiResource {

    static final String PATH = "rules";

    private final RuleSet rules;
    private final CurrentAlerts alerts;

    RulesApi(RuleSet rules, CurrentAlerts alerts) {
        super(PATH, null);
        this.rules = rules;
        this.alerts = alerts;
    }

    @Override
    Route routes() {
        return pathEnd(() -> get(this::list));
    }

    private Route list() {
        List<Rule> inForce = rules.rules();
        List<AlertStatus> current = alerts.select(a -> true);
        return onSuccess(alerts.histories(current), histories -> list(inForce, current, histories));
    }

    private Route list(List<Rule> inForce, List<AlertStatus> current,
                       Map<String, List<Acknowledgement>> histories) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (Rule rule : inForce) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", rule.name());
            r.put("type", rule.type().name());
            r.put("description", rule.description());
            r.put("match", Map.of("sensor", rule.match().sensor().toString(), "metric",
                    rule.match().metric().toString(), "tags", rule.match().tags().entrySet().stream()
                            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString()))));
            r.put("when", rule.when() == null ? null : rule.when().expression());
            r.put("clearWhen", rule.clearWhen().map(c -> c.expression()).orElse(null));
            r.put("forMs", rule.forDuration().toMillis());
            r.put("clearForMs", rule.clearFor().toMillis());
            r.put("severity", rule.severity().label());
            r.put("actions", rule.actionNames());
            r.put("alerts", alerts.view(current.stream().filter(a -> a.rule().equals(rule.name())).toList(),
                    histories));
            result.add(r);
        }
        return complete(Responses.json(StatusCodes.OK, result));
    }
}
