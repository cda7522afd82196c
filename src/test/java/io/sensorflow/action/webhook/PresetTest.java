package io.sensorflow.action.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PresetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static AlertEvent event(String sensor, AlertState state, String severity) {
        return new AlertEvent("ep", "freezer-warm", sensor, "temperature", "", state, severity, -4.5, 1_000, 1_000,
                1_000, Map.of(), Map.of(), false, List.of("page"), null);
    }

    @Test
    void chatPresetsCarryOneReadableLineAsValidJsonWhateverTheSensorIsCalled() throws Exception {
        AlertEvent odd = event("freezer \"2\" \\ back", AlertState.FIRING, "critical");
        String line = "[FIRING] freezer-warm on freezer \"2\" \\ back temperature = -4.5 (critical)";
        assertThat(JSON.readTree(Preset.SLACK.body(odd)).get("text").asText()).isEqualTo(line);
        assertThat(JSON.readTree(Preset.DISCORD.body(odd)).get("content").asText()).isEqualTo(line);
        JsonNode teams = JSON.readTree(Preset.TEAMS.body(odd));
        assertThat(teams.get("type").asText()).isEqualTo("message");
        assertThat(teams.at("/attachments/0/contentType").asText())
                .isEqualTo("application/vnd.microsoft.card.adaptive");
        assertThat(teams.at("/attachments/0/content/type").asText()).isEqualTo("AdaptiveCard");
        assertThat(teams.at("/attachments/0/content/body/0/text").asText()).isEqualTo(line);
        assertThat(JSON.readTree(Preset.HOME_ASSISTANT.body(odd)).get("sensor").asText()).isEqualTo(odd.sensor());
    }

    @Test
    void ntfyGetsTheLineAsTextAndItsTitlePriorityAndTagsAsHeaders() {
        AlertEvent firing = event("freezer-1", AlertState.FIRING, "critical");
        assertThat(Preset.NTFY.body(firing)).isEqualTo("[FIRING] freezer-warm on freezer-1 temperature = -4.5 "
                + "(critical)");
        assertThat(Preset.NTFY.contentType()).startsWith("text/plain");
        assertThat(Preset.NTFY.headers(firing)).containsEntry("Title", "sensorflow: freezer-warm firing")
                .containsEntry("Priority", "urgent").containsEntry("Tags", "warning");
        assertThat(Preset.NTFY.headers(event("freezer-1", AlertState.RESOLVED, "critical")))
                .containsEntry("Priority", "default").containsEntry("Tags", "white_check_mark");
        assertThat(Preset.SLACK.headers(firing)).isEmpty();
    }
}
