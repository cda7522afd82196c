package io.sensorflow.action;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.AlertState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateTest {

    private final AlertEvent event = new AlertEvent("id-1", "too-hot", "lab-1", "temperature", "",
            AlertState.FIRING, "critical", 31.5, 1_795_331_702_000L, 1_795_331_702_000L, 0, java.util.Map.of("room", "lab"),
            java.util.Map.of(), false, java.util.List.of("fan"), null);

    @Test
    void rendersVariablesWithoutHtmlEscaping() {
        assertThat(Template.compile("actuators/{{sensor}}/fan").render(event)).isEqualTo("actuators/lab-1/fan");
        assertThat(Template.compile("{\"on\": {{firing}}, \"v\": {{value}}, \"at\": \"{{time}}\"}").render(event))
                .isEqualTo("{\"on\": true, \"v\": 31.5, \"at\": \"2026-11-22T07:15:02Z\"}");
    }

    @Test
    void rendersTheWholeEventAsJsonOnlyWhereAskedFor() {
        assertThat(Template.compile("alerts/{{rule}}/{{state}}").render(event)).isEqualTo("alerts/too-hot/firing");
        assertThat(Template.compile("{{json}}").render(event)).isEqualTo(Template.json(event))
                .startsWith("{\"id\":\"id-1\",\"rule\":\"too-hot\"");
    }

    @Test
    void rejectsUnknownVariablesAtConfigTime() {
        assertThatThrownBy(() -> Template.compile("{{sensr}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sensr");
    }
}
