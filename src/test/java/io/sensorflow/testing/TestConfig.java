package io.sensorflow.testing;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.SensorflowConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config of a test daemon, built up by a test: the README's shape, on a free HTTP port, a store in the test's
 * directory (or its PostgreSQL database), and an mqtt source on the test broker when the test has one. Each step
 * returns a new config; {@link #with} adds HOCON inside {@code sensorflow { }}, which overrides what is here.
 */
public final class TestConfig {

    private final MosquittoBroker broker;
    private final PostgresDatabase postgres;
    private final Path dir;
    private final String name;
    private final List<String> extra;

    TestConfig(MosquittoBroker broker, PostgresDatabase postgres, Path dir, String name, List<String> extra) {
        this.broker = broker;
        this.postgres = postgres;
        this.dir = dir;
        this.name = name;
        this.extra = List.copyOf(extra);
    }

    /** This config under another name: the store file {@code <name>.db} and the MQTT client id. */
    public TestConfig named(String newName) {
        return new TestConfig(broker, postgres, dir, newName, extra);
    }

    /** This config with more HOCON inside {@code sensorflow { }}. */
    public TestConfig with(String hocon) {
        List<String> more = new ArrayList<>(extra);
        more.add(hocon);
        return new TestConfig(broker, postgres, dir, name, more);
    }

    /**
     * This config with the broker's readings numbered per sensor: the {@code plant} source maps a payload's
     * {@code "seq"} to the tag that {@code pipeline.sequence-tag} checks, so lost readings show as gaps.
     */
    public TestConfig numbered() {
        return with("""
                pipeline.sequence-tag = seq
                sources.plant.subscriptions = [ { topic = "sensors/{sensor}/{metric}", qos = 1, format = json,
                  value = "/value", timestamp = "/ts", tags { seq = "/seq" } } ]
                """);
    }

    /** This config keeping its readings in the test's PostgreSQL database instead of SQLite. */
    public TestConfig onPostgres() {
        if (postgres == null) {
            throw new IllegalStateException("the extension has no PostgreSQL database; use withPostgres()");
        }
        return with("store { type = postgres, postgres { url = \"%s\", user = \"%s\", password = \"%s\" } }"
                .formatted(postgres.jdbcUrl(), postgres.user(), postgres.password()));
    }

    /** The SQLite store's file. */
    public Path db() {
        return dir.resolve(name + ".db");
    }

    public String name() {
        return name;
    }

    public String hocon() {
        String source = broker == null ? "" : """
                    sources {
                      plant {
                        type = mqtt
                        url = "%s"
                        client-id = "%s"
                        reconnect { min-backoff = 100ms, max-backoff = 1s }
                        subscriptions = [
                          { topic = "sensors/{sensor}/{metric}", qos = 1, format = json, value = "/value", timestamp = "/ts" }
                        ]
                      }
                    }
                """.formatted(broker.url(), name);
        String fan = broker == null ? "" : """
                    fan { type = mqtt, source = plant, topic = "actuators/{{sensor}}/fan", payload = "{\\"on\\": {{firing}}}", qos = 1 }
                """;
        return """
                sensorflow {
                  http { host = "127.0.0.1", port = 0 }
                  # The tests publish fixed event times, which age past any skew window and any retention (a soak
                  # that ran past retention's first round once lost its oldest rows to it, and looked like loss).
                  store { type = sqlite, path = "%s", batch { size = 500 }, retention = 0s }
                  shutdown-timeout = 10s
                  pipeline { max-past-skew = 0s }
                %s
                  rules {
                    too-hot {
                      match { metric = "temperature" }
                      when = "value > 30.0"
                      clear-when = "value < 28.0"
                      for = 0s
                      severity = critical
                      actions = [ %s ]
                    }
                  }
                  actions {
                %s
                    audit { type = log }
                  }
                  %s
                }
                """.formatted(db().toString().replace("\\", "/"), source, broker == null ? "audit" : "fan", fan,
                String.join("\n", extra));
    }

    public SensorflowConfig parse() {
        return ConfigLoader.bind(ConfigFactory.parseString(hocon()));
    }

    /** Writes the config to {@code <name>.conf} in the test's directory, for a jar or a reload to read. */
    public Path write() {
        return write(dir.resolve(name + ".conf"));
    }

    public Path write(Path file) {
        try {
            Files.writeString(file, hocon());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
