package io.sensorflow.action.email;

import io.sensorflow.action.Action;
import io.sensorflow.action.ActionConfig;
import io.sensorflow.action.ActionContext;
import io.sensorflow.action.ActionLimits;
import io.sensorflow.action.Template;
import io.sensorflow.config.Section;
import io.sensorflow.model.AlertEvent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends each alert transition as an e-mail over SMTP: STARTTLS (the default), implicit TLS or none, with credentials
 * that come from the environment. The outbox retries what the server may take later (no connection, a 4xx answer)
 * and gives up on what it refuses for good (a 5xx answer, bad credentials).
 *
 * @param security starttls, tls or none
 * @param username empty: no authentication
 */
public record EmailActionConfig(String name, String host, int port, Security security, Optional<String> username,
                                Optional<String> password, String from, List<String> to, Template subject,
                                Optional<Template> body, Duration timeout, ActionLimits limits)
        implements ActionConfig {

    private static final Template DEFAULT_BODY = Template.compile("{{rule}} is {{state}} on {{sensor}} {{metric}}: "
            + "{{value}} ({{severity}}) at {{time}}.\n\nAlert {{id}}\n\n{{json}}\n");

    /** How the connection to the SMTP server is protected. */
    public enum Security { STARTTLS, TLS, NONE }

    public static EmailActionConfig parse(Section s) {
        Section smtp = s.section("smtp");
        String host = smtp.string("host");
        Security security = smtp.enumValue("security", Security.class, Security.STARTTLS);
        int port = smtp.has("port") ? smtp.integer("port", 1, 65_535) : security == Security.TLS ? 465 : 587;
        Optional<String> username = smtp.optionalString("username");
        Optional<String> password = smtp.optionalString("password");
        if (username.isPresent() != password.isPresent()) {
            smtp.problem(username.isPresent() ? "password" : "username", "username and password go together "
                    + "(set both, from the environment, or neither)");
        }
        String from = s.string("from");
        if (!from.contains("@")) {
            s.problem("from", "must be an e-mail address, got '" + from + "'");
        }
        List<String> to = s.stringList("to");
        if (to.isEmpty()) {
            s.problem("to", "must name at least one recipient");
        }
        for (String address : to) {
            if (!address.contains("@")) {
                s.problem("to", "must hold e-mail addresses, got '" + address + "'");
            }
        }
        Template subject = template(s, "subject");
        Optional<Template> body = s.has("body") ? Optional.ofNullable(template(s, "body")) : Optional.empty();
        return new EmailActionConfig(s.name(), host, port, security, username, password, from, List.copyOf(to),
                subject, body, s.positiveDuration("timeout"), ActionLimits.parse(s));
    }

    private static Template template(Section s, String key) {
        try {
            return Template.compile(s.string(key));
        } catch (IllegalArgumentException e) {
            s.problem(key, e.getMessage());
            return null;
        }
    }

    @Override
    public Map<String, String> render(AlertEvent event) {
        return Map.of("to", String.join(", ", to), "subject", subject.render(event), "body", body(event));
    }

    /** The text of the mail: the configured template, or the alert's one line and its fields. */
    String body(AlertEvent event) {
        return body.orElse(DEFAULT_BODY).render(event);
    }

    @Override
    public Action create(ActionContext context) {
        return new EmailAction(this);
    }

    @Override
    public String toString() {
        // The password must not reach a log line.
        return "email " + name + " (smtp " + host + ":" + port + ", "
                + security.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
