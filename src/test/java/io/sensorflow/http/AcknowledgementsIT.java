package io.sensorflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.app.Daemon;
import io.sensorflow.model.Acknowledgement;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every acknowledgement of an alert episode is kept, with who made it and when, shown oldest first wherever the
 * episode is, and still there after a restart; an episode keeps at most {@link Acknowledgement#MAX_PER_EPISODE}.
 */
class AcknowledgementsIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker().withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onSqlite(TestConfig config) throws Exception {
        twoOperatorsAcknowledgeAndBothAreKeptAcrossARestart(config.named("acks"));
    }

    @Test
    void onPostgres(TestConfig config) throws Exception {
        twoOperatorsAcknowledgeAndBothAreKeptAcrossARestart(config.named("acks-pg").onPostgres());
    }

    private static void twoOperatorsAcknowledgeAndBothAreKeptAcrossARestart(TestConfig test) throws Exception {
        TestConfig config = test.with("sources { push { type = http-push } }");
        Daemon daemon = DAEMONS.start(config);
        int port = daemon.httpPort();
        assertThat(Http.post(port, "/api/v1/ingest", "{\"sensor\": \"boiler\", \"metric\": \"temperature\", "
                + "\"value\": 99, \"timestamp\": " + System.currentTimeMillis() + "}").status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> json(Http.get(port, "/api/v1/alerts")).size() == 1);
        JsonNode alert = json(Http.get(port, "/api/v1/alerts")).get(0);
        String id = alert.get("id").asText();
        assertThat(alert.get("acknowledged").isNull()).isTrue();
        assertThat(alert.get("acknowledgements")).isEmpty();

        Http.Response maria = Http.post(port, "/api/v1/alerts/" + id + "/ack", "{\"by\": \"maria\", \"comment\": "
                + "\"on it\"}");
        assertThat(maria.status()).isEqualTo(200);
        assertThat(json(maria).get("by").asText()).isEqualTo("maria");
        assertThat(Http.post(port, "/api/v1/alerts/" + id + "/ack", "{\"by\": \"ahmed\", \"comment\": \"fan "
                + "replaced\"}").status()).isEqualTo(200);
        assertAcknowledgedByMariaThenAhmed(port, id);

        Http.Response tooLong = Http.post(port, "/api/v1/alerts/" + id + "/ack", "{\"comment\": \""
                + "x".repeat(Params.MAX_COMMENT + 1) + "\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body()).contains("at most " + Params.MAX_COMMENT);

        DAEMONS.stop(daemon);
        int again = DAEMONS.start(config).httpPort();
        await().atMost(Duration.ofSeconds(10)).until(() -> json(Http.get(again, "/api/v1/alerts")).size() == 1);
        assertAcknowledgedByMariaThenAhmed(again, id);

        // The limit: the first ones stay, one more is refused, and nothing else changes.
        for (int i = 2; i < Acknowledgement.MAX_PER_EPISODE; i++) {
            assertThat(Http.post(again, "/api/v1/alerts/" + id + "/ack", "{\"by\": \"op-" + i + "\"}").status())
                    .as("acknowledgement %d", i + 1).isEqualTo(200);
        }
        Http.Response refused = Http.post(again, "/api/v1/alerts/" + id + "/ack", "{\"by\": \"late\"}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("\"error\":\"conflict\"", Acknowledgement.MAX_PER_EPISODE
                + " acknowledgements");
        JsonNode episode = json(Http.get(again, "/api/v1/alerts/" + id));
        assertThat(episode.get("acknowledgements")).hasSize(Acknowledgement.MAX_PER_EPISODE);
        assertThat(episode.at("/acknowledgements/0/by").asText()).isEqualTo("maria");
        assertThat(episode.at("/acknowledged/by").asText()).isEqualTo("op-" + (Acknowledgement.MAX_PER_EPISODE - 1));
    }

    /** Both, oldest first, with who and when, in the episode, the list of current alerts and the rules. */
    private static void assertAcknowledgedByMariaThenAhmed(int port, String id) throws IOException {
        JsonNode episode = json(Http.get(port, "/api/v1/alerts/" + id));
        assertThat(by(episode.get("acknowledgements"))).containsExactly("maria", "ahmed");
        assertThat(episode.at("/acknowledgements/0/comment").asText()).isEqualTo("on it");
        assertThat(episode.at("/acknowledgements/0/at").asLong()).isPositive()
                .isLessThanOrEqualTo(episode.at("/acknowledgements/1/at").asLong());
        assertThat(episode.at("/acknowledged/by").asText()).as("the latest, as before").isEqualTo("ahmed");

        JsonNode current = json(Http.get(port, "/api/v1/alerts")).get(0);
        assertThat(by(current.get("acknowledgements"))).containsExactly("maria", "ahmed");
        assertThat(current.at("/acknowledged/by").asText()).isEqualTo("ahmed");

        JsonNode rule = json(Http.get(port, "/api/v1/rules")).get(0);
        assertThat(by(rule.at("/alerts/0/acknowledgements"))).containsExactly("maria", "ahmed");
    }

    private static List<String> by(JsonNode acknowledgements) {
        List<String> by = new ArrayList<>();
        acknowledgements.forEach(a -> by.add(a.get("by").asText()));
        return by;
    }

    private static JsonNode json(Http.Response response) throws IOException {
        assertThat(response.status()).as(response.body()).isLessThan(300);
        return JSON.readTree(response.body());
    }
}
