package io.sensorflow.testing;

import com.typesafe.config.ConfigFactory;
import io.sensorflow.app.ConfigLoader;
import io.sensorflow.app.Daemon;
import io.sensorflow.app.SensorflowConfig;

import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** Configs and start-up helpers for tests that run a whole daemon in-process. */
public final class TestDaemons {

    private TestDaemons() {
    }

    /**
     * The README's config shape, pointed at a test broker, a temporary database and a free HTTP port.
     *
     * @param extra more HOCON inside {@code sensorflow { }}, which overrides the defaults here
     */
    public static String config(MosquittoBroker broker, Path db, String clientId, String extra) {
        return """
                sensorflow {
                  http { host = "127.0.0.1", port = 0 }
                  store { type = sqlite, path = "%s", batch { size = 500 } }
                  shutdown-timeout = 10s
                  # The tests publish fixed event times, which age past any skew window.
                  pipeline { max-past-skew = 0s }
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
                  rules {
                    too-hot {
                      match { metric = "temperature" }
                      when = "value > 30.0"
                      clear-when = "value < 28.0"
                      for = 0s
                      severity = critical
                      actions = [ fan ]
                    }
                  }
                  actions {
                    fan { type = mqtt, source = plant, topic = "actuators/{{sensor}}/fan", payload = "{\\"on\\": {{firing}}}", qos = 1 }
                    audit { type = log }
                  }
                  %s
                }
                """.formatted(db.toString().replace("\\", "/"), broker.url(), clientId, extra);
    }

    public static SensorflowConfig parse(String hocon) {
        return ConfigLoader.bind(ConfigFactory.parseString(hocon));
    }

    /** Starts a daemon and waits until it is ready (store open, every source connected and subscribed). */
    public static Daemon startReady(SensorflowConfig config) {
        Daemon daemon = Daemon.start(config);
        await("daemon ready").atMost(Duration.ofSeconds(15))
                .until(() -> Http.get(daemon.httpPort(), "/health/ready").status() == 200);
        return daemon;
    }

    public static void stop(Daemon daemon) {
        if (daemon != null) {
            daemon.stop().toCompletableFuture().join();
        }
    }
}
