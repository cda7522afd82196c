package io.sensorflow.app;

import io.sensorflow.action.mqtt.MqttActionConfig;
import io.sensorflow.config.ConfigException;
import io.sensorflow.source.mqtt.MqttSourceConfig;
import io.sensorflow.source.simulator.SimulatorSourceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("test.conf");
        Files.writeString(file, text);
        return file;
    }

    private List<String> problems(String text) throws IOException {
        Path file = write(text);
        try {
            ConfigLoader.load(file);
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().replace(file.toString(), "F")).toList();
        }
        throw new AssertionError("expected problems in:\n" + text);
    }

    @Test
    void theShippedDefaultConfigIsValidAndBindsTheDocumentedShape() {
        SensorflowConfig config = ConfigLoader.load(Path.of("config/sensorflow.conf"));
        assertThat(config.http().port()).isEqualTo(8080);
        assertThat(config.store().path()).isEqualTo("data/sensorflow.db");
        MqttSourceConfig plant = (MqttSourceConfig) config.sources().get("plant");
        assertThat(plant.port()).isEqualTo(1883);
        assertThat(plant.subscriptions()).singleElement().satisfies(s -> {
            assertThat(s.topic().filter()).isEqualTo("sensors/+/+");
            assertThat(s.qos()).isEqualTo(1);
            assertThat(s.mapping().timestamp()).contains("/ts");
        });
        SimulatorSourceConfig demo = (SimulatorSourceConfig) config.sources().get("demo");
        assertThat(demo.sensors()).isEqualTo(5);
        assertThat(demo.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.sources().get("push")).as("POST /api/v1/ingest works on the defaults")
                .isInstanceOf(io.sensorflow.source.http.HttpPushSourceConfig.class);
        assertThat(config.rules().get("too-hot").actionNames()).containsExactly("fan", "audit");
        assertThat(((MqttActionConfig) config.actions().get("fan")).sourceName()).isEqualTo("plant");
    }

    @Test
    void everyExampleConfigUnderConfigIsValid() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("config"))) {
            List<Path> confs = files.filter(p -> p.toString().endsWith(".conf")).toList();
            assertThat(confs).isNotEmpty();
            for (Path conf : confs) {
                if (conf.toString().endsWith(".test.conf")) {
                    continue; // rule test files: run by RuleTestFilesTest
                }
                // Files under config/rules/ hold rules (and their actions) for a daemon config to include.
                ConfigLoader.Scope scope = conf.startsWith(Path.of("config", "rules"))
                        ? ConfigLoader.Scope.RULES : ConfigLoader.Scope.DAEMON;
                assertThat(ConfigLoader.load(conf, scope)).as(conf.toString()).isNotNull();
            }
        }
    }

    @Test
    void theDockerConfigIsValidAndListensOnAllInterfaces() throws IOException {
        String docker = Files.readString(Path.of("docker/sensorflow.conf"))
                .replace("/app/config/sensorflow.conf", Path.of("config/sensorflow.conf").toAbsolutePath().toString());
        // Without its token from the environment, the container refuses to start, naming the key.
        assertThat(problems(docker)).anySatisfy(p -> assertThat(p).contains("http.auth.tokens.admin.token",
                "is missing"));
        SensorflowConfig config = ConfigLoader.load(write(docker.replace("${?SENSORFLOW_ADMIN_TOKEN}",
                "\"a-test-token-0123456789\"")));
        assertThat(config.http().auth().tokens()).extracting(t -> t.name()).containsExactly("admin");
        assertThat(config.http().host()).isEqualTo("0.0.0.0");
        assertThat(config.store().path()).isEqualTo("/data/sensorflow.db");
        assertThat(((MqttSourceConfig) config.sources().get("plant")).host()).isEqualTo("mosquitto");
    }

    @Test
    void theClusterNodeConfigOfTheComposeFileIsValid() throws IOException {
        String node = Files.readString(Path.of("docker/cluster.conf"))
                .replace("${SENSORFLOW_CLUSTER_BIND}", "\"sensorflow-3:25520\"")
                .replace("${SENSORFLOW_CLIENT_ID}", "\"sensorflow-3\"")
                .replace("${?SENSORFLOW_ADMIN_TOKEN}", "\"a-test-token-0123456789\"");
        SensorflowConfig config = ConfigLoader.load(write(node));
        assertThat(config.cluster()).hasValueSatisfying(c -> assertThat(c.seedNodes()).hasSize(2));
        assertThat(((MqttSourceConfig) config.sources().get("plant")).shareGroup()).contains("sensorflow");
        assertThat(Files.readString(Path.of("docker/compose.cluster.yaml"))).contains("sensorflow-1:25520",
                "sensorflow-2:25520", "sensorflow-3:25520", "/app/cluster.conf");
    }

    @Test
    void theBundledCopyMatchesTheFile() throws IOException {
        try (var in = ConfigLoader.class.getClassLoader().getResourceAsStream(ConfigLoader.BUNDLED_DEFAULT)) {
            assertThat(in).as("bundled default config").isNotNull();
            assertThat(new String(in.readAllBytes())).isEqualTo(Files.readString(Path.of("config/sensorflow.conf")));
        }
    }

    @Test
    void payloadAndIngestOptionsAreCheckedWhereTheyAreWritten() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  sources {
                    plant {
                      type = mqtt
                      subscriptions = [
                        { topic = "lp/{sensor}", format = influx, items = "/x", precision = fortnights }
                        { topic = "raw/{sensor}", format = number }
                        { topic = "batch", format = json, items = "no-slash", tags { room = "room" } }
                      ]
                    }
                    push { type = http-push, path = "alerts", max-body = 3 parsecs }
                    big { type = http-push, path = "big", max-body = 4MiB }
                    poll { type = http-poll, urls = ["http://127.0.0.1:1/x"], sensor = "/s", metric = "/m",
                           headers { Host = "other", Authorization = "Bearer abc\\n" } }
                    spb { type = mqtt, share-group = g, subscriptions = [ { topic = "spBv1.0/#", format = sparkplug } ] }
                    push2 { type = http-push }
                    push3 { type = http-push }
                  }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.0.items", "applies to format = json only"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.0.precision", "ns, us, ms, s"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.1.topic", "metric is taken from nowhere"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.2.items", "JSON Pointer"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.2.tags.room", "JSON Pointer"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("subscriptions.2.topic", "sensor is taken from nowhere"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.push.path", "the API's own"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.push.max-body"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.push3.path", "taken by source push2"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.big.max-body", "pipeline.max-payload"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.poll.headers.Host", "cannot be sent"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.poll.headers.Authorization", "line break"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("sources.spb.share-group", "sparkplug"));
    }

    @Test
    void queryThreadsDefaultToHalfTheCoresAndAreBounded() throws IOException {
        SensorflowConfig defaults = ConfigLoader.load(write("sensorflow.sources.demo.type = simulator"));
        assertThat(defaults.http().queries().threads())
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        assertThat(defaults.http().queries().maxWaiting()).isEqualTo(64);
        assertThat(defaults.store().readConnections()).isEqualTo(2);
        SensorflowConfig set = ConfigLoader.load(write(
                "sensorflow { http.queries { threads = 3, max-waiting = 5 }, store.read-connections = 3, "
                        + "sources.demo.type = simulator }"));
        assertThat(set.http().queries()).isEqualTo(new io.sensorflow.http.HttpConfig.Queries(3, 5));
        assertThat(set.store().readConnections()).isEqualTo(3);

        List<String> problems = problems(
                "sensorflow { http.queries { threads = 65, max-waiting = 0, thread = 2 }, store.read-connections = 0 }");
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("http.queries.threads"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("http.queries.max-waiting"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("http.queries.thread:", "unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("store.read-connections"));
    }

    @Test
    void anApiBeyondThisMachineNeedsTokensOrAuthNoneInSoManyWords() throws IOException {
        assertThat(problems("sensorflow { http.host = \"0.0.0.0\", sources.demo.type = simulator }"))
                .anySatisfy(p -> assertThat(p).contains("sensorflow.http.host", "without authentication",
                        "http.auth = none"));
        assertThat(ConfigLoader.load(write("sensorflow { http { host = \"0.0.0.0\", auth = none }, "
                + "sources.demo.type = simulator }")).http().auth().none()).isTrue();
        Path tokenFile = Files.writeString(dir.resolve("token"), "  file-token-0123456789\n");
        SensorflowConfig config = ConfigLoader.load(write("""
                sensorflow {
                  http.host = "0.0.0.0"
                  http.auth.tokens {
                    grafana { token = "inline-token-0123456789", scopes = [read] }
                    ops { token-file = "%s", scopes = [admin, ingest] }
                  }
                  sources.demo.type = simulator
                }
                """.formatted(tokenFile.toString().replace("\\", "/"))));
        assertThat(config.http().auth().tokens()).extracting(t -> t.name()).containsExactly("grafana", "ops");
        assertThat(config.http().auth().tokens().get(1).scopes())
                .containsExactlyInAnyOrder(io.sensorflow.http.Scope.ADMIN, io.sensorflow.http.Scope.INGEST);

        List<String> problems = problems("""
                sensorflow {
                  http.auth = maybe
                  sources.demo.type = simulator
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("http.auth", "none or an object"));
        problems = problems("""
                sensorflow {
                  http.auth.tokens {
                    short { token = "tiny-secret", scopes = [read] }
                    both { token = "long-enough-token-123", token-file = "/x", scopes = [read] }
                    neither { scopes = [read] }
                    odd { token = "long-enough-token-456", scopes = [root] }
                    gone { token-file = "/nonexistent/token", scopes = [read] }
                  }
                  sources.demo.type = simulator
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("tokens.short.token", "at least 16"));
        assertThat(problems).noneSatisfy(p -> assertThat(p).contains("tiny-secret"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("tokens.both.token-file", "not both"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("tokens.neither.token", "is missing"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("tokens.odd.scopes", "'root' is not a scope"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("tokens.gone.token-file", "cannot read"));
    }

    @Test
    void anUnsetMaxBodyFollowsASmallerMaxPayload() throws IOException {
        SensorflowConfig config = ConfigLoader.load(write("""
                sensorflow {
                  pipeline { max-payload = 64KiB }
                  sources { push { type = http-push } }
                }
                """));
        assertThat(((io.sensorflow.source.http.HttpPushSourceConfig) config.sources().get("push")).maxBody())
                .isEqualTo(65_536);
    }

    @Test
    void aMaxBodyUnderDefaultsIsTheUsersAndCheckedAgainstMaxPayload() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  defaults.sources.http-push.max-body = 4MiB
                  sources { push { type = http-push } }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("max-body", "pipeline.max-payload"));
    }

    @Test
    void reportsEveryProblemInOnePassWithFileLineAndKey() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  http { port = "eighty" }
                  storee { path = x }
                  sources {
                    plant {
                      type = mqtt
                      url = "tcp://broker.test:1883"
                      subscriptions = [ { topic = "sensors/{sensor}/{room}" } ]
                    }
                    demo { type = simulator, interval = 10 parsecs }
                    odd { type = kafka }
                  }
                  rules {
                    too-hot {
                      when = "value >"
                      for = banana
                      severity = dire
                      actions = [ fan, nowhere ]
                    }
                  }
                  actions {
                    fan { type = mqtt, source = missing, topic = "a/{{sensr}}" }
                  }
                }
                """);
        assertThat(problems).contains(
                "F:2: sensorflow.http.port: port has type STRING rather than NUMBER",
                "F:3: sensorflow.storee: unknown key; known keys here: actions, cluster, defaults, http, pipeline, "
                        + "rules, shutdown-timeout, sources, store");
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:8: sensorflow.sources.plant.subscriptions.0.topic: unknown placeholder {room}"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:10: sensorflow.sources.demo.interval: "));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:11: sensorflow.sources.odd.type: unknown type 'kafka'; one of mqtt, http-poll, http-push, simulator"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:15: sensorflow.rules.too-hot.when: CEL does not compile"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:16: sensorflow.rules.too-hot.for: "));
        assertThat(problems).contains("F:17: sensorflow.rules.too-hot.severity: must be one of info, warning, critical, got 'dire'");
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:18: sensorflow.rules.too-hot.actions: names action 'nowhere', which is not defined"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:22: sensorflow.actions.fan.source: names source 'missing', which is not defined"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:22: sensorflow.actions.fan.topic: is not a valid template"));
        assertThat(problems).as("no stack traces, one line each").allSatisfy(p -> assertThat(p).doesNotContain("\n\tat "));
    }

    @Test
    void reportsMissingRequiredKeysAtTheirSection() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  sources {
                    plant { type = mqtt }
                  }
                  rules {
                    r { match { metric = "x" } }
                  }
                }
                """);
        assertThat(problems).contains(
                "F:3: sensorflow.sources.plant.subscriptions: is required but missing",
                "F:6: sensorflow.rules.r.when: is required but missing");
    }

    @Test
    void rejectsASourceWithoutSensorOrMetric() throws IOException {
        List<String> problems = problems("""
                sensorflow.sources.plant {
                  type = mqtt
                  subscriptions = [ { topic = "plant/temperature", format = number } ]
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("the sensor is taken from nowhere"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("the metric is taken from nowhere"));
    }

    @Test
    void rejectsAnActionThatPublishesThroughANonMqttSource() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  sources.demo { type = simulator }
                  actions.fan { type = mqtt, source = demo, topic = "x" }
                }
                """);
        assertThat(problems).contains("F:3: sensorflow.actions.fan.source: names source 'demo', which is not an mqtt source");
    }

    @Test
    void rejectsMqttSettingsThatWouldFailOrMisbehaveAtRunTime() throws IOException {
        List<String> problems = problems("""
                sensorflow.sources {
                  a {
                    type = mqtt
                    session-expiry = 0s
                    keep-alive = 500ms
                    password = secret
                    reconnect.max-backoff = 10ms
                    subscriptions = [ { topic = "s/{sensor}/{metric}" } ]
                  }
                  b { type = mqtt, subscriptions = [ { topic = "t/{sensor}/{metric}" } ] }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.sources.a.session-expiry: must be greater than zero"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:5: sensorflow.sources.a.keep-alive: must be between 1s and 65535s"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:6: sensorflow.sources.a.password: is set without a username"));
        assertThat(problems).contains("F:7: sensorflow.sources.a.reconnect.max-backoff: max-backoff (10ms) must not be shorter than min-backoff (1s)");
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:10: sensorflow.sources.b.client-id: 'sensorflow' is also the client id of source 'a'"));
    }

    @Test
    void rejectsTyposUnderDefaults() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  defaults {
                    rules { for = 5m }
                    rule { severty = critical, for = 1m, clear-when = "value < 1.0" }
                    sources.mqtt { username = "u", keep-alive = 60s }
                  }
                  sources.demo { type = simulator }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.defaults.rules.for: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.defaults.rule.severty: unknown key"));
        assertThat(problems).as("documented keys and keys without a default are fine").hasSize(2);
    }

    @Test
    void reportsSyntaxErrorsWithTheirLine() throws IOException {
        List<String> problems = problems("sensorflow {\n  http { port = 80 \n");
        assertThat(problems).singleElement().satisfies(p -> assertThat(p).startsWith("F:"));
    }

    @Test
    void takesSecretsFromTheEnvironmentOnlyWhenSet() throws IOException {
        Path file = write("""
                sensorflow.sources.plant {
                  type = mqtt
                  password = ${?SENSORFLOW_TEST_SURELY_UNSET_VARIABLE}
                  subscriptions = [ { topic = "s/{sensor}/{metric}" } ]
                }
                """);
        MqttSourceConfig plant = (MqttSourceConfig) ConfigLoader.load(file).sources().get("plant");
        assertThat(plant.password()).isEmpty();
    }

    @Test
    void aMissingFileIsOneProblem() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.conf"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("no such config file");
    }

    @Test
    void rejectsUnknownKeysAtEveryDepthWithoutTheParsersAsking() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  store { rollups { 1m { retentoin = 1d } }, batch { sise = 5 } }
                  sources {
                    plant {
                      type = mqtt
                      reconnect { min-backof = 1s }
                      tls { caa = "x.pem" }
                      subscriptions = [ { topic = "s/{sensor}/{metric}", formt = json } ]
                    }
                    poll { type = http-poll, urls = [ { url = "http://127.0.0.1:1/x", fixed { sensr = a } } ],
                           sensor = "/s", metric = "/m", retry { tries = 3 } }
                  }
                  rules.r { match { sensr = "a*" }, when = "value > 1.0", actions = [ { action = audit, onn = [firing] } ] }
                  actions.audit { type = log, rate-limit { count = 1, per = 1s, burst = 2 } }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:2: sensorflow.store.rollups.1m.retentoin: unknown key; known keys here: retention"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:2: sensorflow.store.batch.sise: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:6: sensorflow.sources.plant.reconnect.min-backof: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:7: sensorflow.sources.plant.tls.caa: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:8: sensorflow.sources.plant.subscriptions.0.formt: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:10: sensorflow.sources.poll.urls.0.fixed.sensr: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:11: sensorflow.sources.poll.retry.tries: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:13: sensorflow.rules.r.match.sensr: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:13: sensorflow.rules.r.actions.0.onn: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:14: sensorflow.actions.audit.rate-limit.burst: unknown key"));
    }

    @Test
    void checksTheDefaultsOfEveryTypeAndOfSubscriptionsEvenWithoutSuchAnEntry() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  defaults {
                    subscription { qos = 2, formt = json }
                    rule-types.window { aggregate = max, windw = 5m }
                    rule-types.anomaly { method = rolling, window = 1h }
                    actions.log { rate-limit { count = 5, per = 1m } }
                    sources.http-poll { retry.attempts = 5, interval = 1m }
                    sources.kafka { brokers = x }
                  }
                  sources.demo { type = simulator }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.defaults.subscription.formt: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.defaults.rule-types.window.windw: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:8: sensorflow.defaults.sources.kafka.brokers: unknown key"));
        assertThat(problems).as("every other key is one the entries read").hasSize(3);
    }

    @Test
    void checksTheSubscriptionDefaultsAlsoWhenTheMqttDefaultsListSubscriptions() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  defaults {
                    sources.mqtt.subscriptions = [ { topic = "s/{sensor}/{metric}", qoss = 1 } ]
                    subscription { qos = 2, valu = "/v" }
                  }
                  sources.demo { type = simulator }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.defaults.sources.mqtt.subscriptions.0.qoss: unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.defaults.subscription.valu: unknown key"));
        assertThat(problems).hasSize(2);
    }

    @Test
    void aWebhookNamesWhatIsWrongWithItsMethodUrlHeadersAndBody() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  actions {
                    hook { type = webhook, method = DELETE, url = "ftp://example.com/x",
                      headers { Idempotency-Key = mine }, body = "{{#broken}}" }
                    ntfy { type = webhook, url = "http://127.0.0.1:9/alerts", headers { Title = "{{rule}}" } }
                  }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.actions.hook.method: must be "
                + "POST, PUT or PATCH, got 'DELETE'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.actions.hook.url: must be an "
                + "http:// or https:// URL"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.actions.hook.headers: must not "
                + "set Idempotency-Key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.actions.hook.body: is not a "
                + "valid template"));
        assertThat(problems).as("the ntfy hook is fine").filteredOn(p -> p.contains("sensorflow.actions.")).hasSize(4);
    }

    @Test
    void anEmailNamesItsMissingRecipientsBadAddressesAndAHalfOfTheCredentials() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  actions.mail { type = email, smtp { host = "smtp.example.com", username = alerts, security = ssl },
                    from = nobody, to = [] }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:2: sensorflow.actions.mail.smtp.password: "
                + "username and password go together"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:2: sensorflow.actions.mail.smtp.security: "
                + "must be one of starttls, tls, none, got 'ssl'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.actions.mail.from: must be an "
                + "e-mail address"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:3: sensorflow.actions.mail.to: must name at "
                + "least one recipient"));
    }

    @Test
    void anActionsOwnLimitsAreBoundAndCheckedAndOnlyWhereGiven() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  actions {
                    slack { type = webhook, url = "http://127.0.0.1:9/s", max-concurrency = 0,
                      max-rate { count = 1 } }
                  }
                }
                """);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                "F:3: sensorflow.actions.slack.max-concurrency: must be between 1 and 10000, got 0"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("F:4: sensorflow.actions.slack.max-rate.per: is "
                + "required"));

        SensorflowConfig config = ConfigLoader.bind(com.typesafe.config.ConfigFactory.parseString("""
                sensorflow.sources.push { type = http-push }
                sensorflow.actions {
                  slack { type = webhook, url = "http://127.0.0.1:9/s", max-concurrency = 2,
                    max-rate { count = 1, per = 1s }, rate-limit { count = 100, per = 1h } }
                  plain { type = webhook, url = "http://127.0.0.1:9/p" }
                }
                """));
        assertThat(config.actionLimits().get("slack")).isEqualTo(new io.sensorflow.action.ActionLimits(
                java.util.Optional.of(new io.sensorflow.action.RateLimit(100, java.time.Duration.ofHours(1))), 2,
                java.util.Optional.of(new io.sensorflow.action.RateLimit(1, java.time.Duration.ofSeconds(1)))));
        assertThat(config.actionLimits().get("plain")).isEqualTo(io.sensorflow.action.ActionLimits.NONE);
    }

    private static final String HTTP_PUSH = "sources { push { type = http-push, path = ingest } }";

    @Test
    void aClusterBlockBecomesPekkosKeysWhichThePekkoBlockMayStillTune() throws IOException {
        SensorflowConfig config = ConfigLoader.load(write("""
                sensorflow {
                  %s
                  store { type = postgres, postgres.url = "jdbc:postgresql://127.0.0.1:5432/test" }
                  cluster { bind = "10.0.0.2:25520", seed-nodes = ["10.0.0.1:25520", "[::1]:25521"] }
                }
                pekko.remote.artery.bind.hostname = "0.0.0.0"
                pekko.cluster.split-brain-resolver.stable-after = 7s
                """.formatted(HTTP_PUSH)));
        assertThat(config.cluster()).hasValueSatisfying(c -> {
            assertThat(c.bind().toString()).isEqualTo("10.0.0.2:25520");
            assertThat(c.stableAfter()).as("the reference default").isEqualTo(Duration.ofSeconds(20));
        });
        com.typesafe.config.Config pekko = config.raw();
        assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.2");
        assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25520);
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes"))
                .containsExactly("pekko://sensorflow@10.0.0.1:25520", "pekko://sensorflow@[::1]:25521");
        assertThat(pekko.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
        assertThat(pekko.getString("pekko.remote.artery.bind.hostname")).as("the user's pekko block")
                .isEqualTo("0.0.0.0");
        assertThat(pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after"))
                .as("the user's pekko block wins over the cluster block").isEqualTo(Duration.ofSeconds(7));

        SensorflowConfig alone = ConfigLoader.load(write("sensorflow { " + HTTP_PUSH + " }"));
        assertThat(alone.cluster()).isEmpty();
        assertThat(alone.raw().getString("pekko.actor.provider")).as("no cluster block, no remoting")
                .isEqualTo("local");
    }

    @Test
    void aClusterNeedsPostgresAndAddressesItsNodesCanReach() throws IOException {
        List<String> problems = problems("""
                sensorflow {
                  %s
                  cluster {
                    bind = "node-1"
                    seed-nodes = ["node-1:25520", "node-2:70000"]
                    stable-after = 0s
                  }
                }
                """.formatted(HTTP_PUSH));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("F:3: sensorflow.cluster:",
                        "needs store.type = postgres"))
                .anySatisfy(p -> assertThat(p).contains("F:4: sensorflow.cluster.bind:", "must be \"host:port\"",
                        "got \"node-1\""))
                .anySatisfy(p -> assertThat(p).contains("F:5: sensorflow.cluster.seed-nodes:", "got \"node-2:70000\""))
                .anySatisfy(p -> assertThat(p).contains("F:6: sensorflow.cluster.stable-after:", "greater than zero"))
                .hasSize(4);
        assertThat(problems("""
                sensorflow {
                  %s
                  store.type = postgres
                  cluster { bind = "a:1", seed-nodes = [], stable-afterr = 5s }
                }
                """.formatted(HTTP_PUSH)))
                .anySatisfy(p -> assertThat(p).contains("sensorflow.cluster.seed-nodes:", "at least one node"))
                .anySatisfy(p -> assertThat(p).contains("sensorflow.cluster.stable-afterr:"));
    }

    @Test
    void aClusterSharesItsMqttSubscriptionsAndTakesEveryKindOfSourceAndRule() throws IOException {
        String cluster = """
                sensorflow {
                  store { type = postgres, postgres.url = "jdbc:postgresql://127.0.0.1:5432/test" }
                  cluster { bind = "127.0.0.1:25520", seed-nodes = ["127.0.0.1:25520"] }
                  %s
                }
                """;
        SensorflowConfig config = ConfigLoader.load(write(cluster.formatted("""
                sources {
                  plant { type = mqtt, subscriptions = [ { topic = "sensors/{sensor}/{metric}" } ] }
                  own { type = mqtt, client-id = own, share-group = mine
                        subscriptions = [ { topic = "a/{sensor}/{metric}" } ] }
                }
                """)));
        assertThat(((MqttSourceConfig) config.sources().get("plant")).shareGroup()).contains("sensorflow");
        assertThat(((MqttSourceConfig) config.sources().get("own")).shareGroup()).contains("mine");

        // Each URL is polled, and each simulated sensor made, by the node that holds its shard; a group's alert
        // lives in the group's shard; inhibitors reach every shard from the store.
        SensorflowConfig every = ConfigLoader.load(write(cluster.formatted("""
                sources {
                  poll { type = http-poll, urls = [ { url = "http://127.0.0.1:9/x", fixed { sensor = s, metric = m } } ] }
                  demo { type = simulator }
                }
                rules {
                  zone-hot { type = window, match { metric = t }, window = 1m, group-by = zone, when = "value > 1.0" }
                  gateway { when = "value > 1.0", inhibit { rules = ["*"] } }
                }
                """)));
        assertThat(every.sources()).containsKeys("poll", "demo");
        assertThat(every.rules()).containsKeys("zone-hot", "gateway");

        assertThat(problems(cluster.formatted("""
                sources.spb { type = mqtt, subscriptions = [ { topic = "spBv1.0/#", format = sparkplug } ] }
                """))).singleElement().asString().contains("sensorflow.sources.spb.subscriptions:",
                "cannot be used in a cluster");
    }
}
