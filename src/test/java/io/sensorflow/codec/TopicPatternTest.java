package io.sensorflow.codec;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TopicPatternTest {

    @Test
    void turnsPlaceholdersIntoWildcardsAndReadsThemBack() {
        TopicPattern pattern = TopicPattern.parse("sensors/{sensor}/{metric}").pattern();
        assertThat(pattern.filter()).isEqualTo("sensors/+/+");
        TopicMatch match = pattern.match("sensors/lab-1/temperature").orElseThrow();
        assertThat(match.sensor()).isEqualTo("lab-1");
        assertThat(match.metric()).isEqualTo("temperature");
        assertThat(pattern.match("sensors/lab-1")).isEmpty();
        assertThat(pattern.match("other/lab-1/temperature")).isEmpty();
        assertThat(pattern.match("sensors/lab-1/temperature/extra")).isEmpty();
    }

    @Test
    void readsTagsAndAcceptsATrailingHash() {
        TopicPattern pattern = TopicPattern.parse("site/{tag:room}/{sensor}/#").pattern();
        assertThat(pattern.filter()).isEqualTo("site/+/+/#");
        TopicMatch match = pattern.match("site/lab/s1/a/b").orElseThrow();
        assertThat(match.tags()).isEqualTo(Map.of("room", "lab"));
        assertThat(match.sensor()).isEqualTo("s1");
        assertThat(match.metric()).isNull();
    }

    @Test
    void explainsWhatIsWrongWithABadPattern() {
        assertThat(TopicPattern.parse("sensors/{room}").error()).contains("unknown placeholder {room}");
        assertThat(TopicPattern.parse("sensors/x-{sensor}").error()).contains("whole topic level");
        assertThat(TopicPattern.parse("sensors/#/x").error()).contains("last level");
        assertThat(TopicPattern.parse("").error()).contains("empty");
    }
}
