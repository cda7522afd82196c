package io.sensorflow.http;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the silences API takes is bounded: text lengths and tag counts (400), and the silences in force or to come
 * ({@link SilencesApi#MAX_ACTIVE}, then 409 until one ends).
 */
class SilencesLimitIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    @Test
    void longTextsAreRefusedAndSilencesStopAtTheLimitUntilOneEnds(TestConfig test) throws Exception {
        Daemon daemon = DAEMONS.start(test.named("silences").with("sources { push { type = http-push } }"));
        int port = daemon.httpPort();

        Http.Response longComment = Http.post(port, "/api/v1/silences", silence("a", "x".repeat(2_001), ""));
        assertThat(longComment.status()).isEqualTo(400);
        assertThat(longComment.body()).contains("comment may have at most 2000 characters");
        Http.Response longRule = Http.post(port, "/api/v1/silences", silence("r".repeat(201), "why", ""));
        assertThat(longRule.status()).isEqualTo(400);
        assertThat(longRule.body()).contains("rule may have at most 200 characters");
        StringBuilder tags = new StringBuilder();
        for (int i = 0; i <= SilenceRequest.MAX_TAGS; i++) {
            tags.append(i == 0 ? "" : ", ").append("\"t").append(i).append("\": \"v\"");
        }
        Http.Response manyTags = Http.post(port, "/api/v1/silences", "{\"tags\": {" + tags + "}, "
                + "\"duration\": \"1h\", \"comment\": \"why\"}");
        assertThat(manyTags.status()).isEqualTo(400);
        assertThat(manyTags.body()).contains("at most " + SilenceRequest.MAX_TAGS + " tags");

        String last = null;
        for (int i = 0; i < SilencesApi.MAX_ACTIVE; i++) {
            Http.Response created = Http.post(port, "/api/v1/silences", silence("rule-" + i, "maintenance", "op"));
            assertThat(created.status()).as("silence %d", i + 1).isEqualTo(201);
            last = created.body().replaceFirst("^.*\"id\":\"([^\"]+)\".*$", "$1");
        }
        Http.Response refused = Http.post(port, "/api/v1/silences", silence("one-more", "maintenance", "op"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("\"error\":\"conflict\"", SilencesApi.MAX_ACTIVE + " silences");

        assertThat(Http.delete(port, "/api/v1/silences/" + last).status()).isEqualTo(200);
        assertThat(Http.post(port, "/api/v1/silences", silence("one-more", "maintenance", "op")).status())
                .as("an ended silence makes room").isEqualTo(201);
    }

    private static String silence(String rule, String comment, String by) {
        return "{\"rule\": \"" + rule + "\", \"duration\": \"1h\", \"comment\": \"" + comment + "\", \"createdBy\": \""
                + by + "\"}";
    }
}
