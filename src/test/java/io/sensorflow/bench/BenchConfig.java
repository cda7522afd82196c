package io.sensorflow.bench;

/**
 * The daemon's config for the benchmark: the MQTT source on the bench broker, {@code rules} threshold rules and an
 * MQTT alert action. Sensors are split into 100 groups by their last two digits; each group has its own rule (half
 * fire at once, half must hold for 1 s), and two rules match every sensor, so each reading meets three rules.
 */
final class BenchConfig {

    private BenchConfig() {
    }

    /** {@code postgresUrl}: the database of a PostgreSQL pass, or null for SQLite. */
    static String render(String brokerUrl, int httpPort, int rules, String postgresUrl) {
        StringBuilder r = new StringBuilder();
        int groups = Math.max(1, rules - 2);
        for (int k = 0; k < groups; k++) {
            r.append(String.format("    g%03d { match { sensor = \"s-*%02d\", metric = \"temperature\" }, when = \"value > 30.0\", "
                    + "clear-when = \"value < 28.0\", for = %s, severity = warning, actions = [alert] }%n",
                    k, k % 100, k % 2 == 0 ? "0s" : "1s"));
        }
        if (rules >= 2) {
            r.append("    sanity-high { when = \"value > 1000.0\", severity = critical, actions = [alert] }\n");
            r.append("    sanity-low { when = \"value < -100.0\", severity = critical, actions = [alert] }\n");
        }
        return """
                sensorflow {
                  http { host = "127.0.0.1", port = %d }
                  store { %s }
                  sources {
                    plant {
                      type = mqtt
                      url = "%s"
                      client-id = "sensorflow-bench"
                      subscriptions = [ { topic = "sensors/{sensor}/{metric}", qos = 1, format = json, value = "/value", timestamp = "/ts" } ]
                    }
                    push { type = http-push }
                  }
                  rules {
                %s  }
                  actions {
                    alert { type = mqtt, source = plant, topic = "alerts/{{rule}}/{{sensor}}", qos = 1 }
                  }
                }
                """.formatted(httpPort, postgresUrl == null ? "type = sqlite, path = \"bench.db\""
                        : "type = postgres, postgres { url = \"" + postgresUrl + "\", user = postgres }", brokerUrl, r);
    }
}
