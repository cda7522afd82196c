package io.sensorflow.rule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GlobTest {

    @Test
    void matchesStarsAndQuestionMarksAndQuotesEverythingElse() {
        assertThat(Glob.of("*").matches("anything/at.all")).isTrue();
        assertThat(Glob.of("lab-?").matches("lab-1")).isTrue();
        assertThat(Glob.of("lab-?").matches("lab-12")).isFalse();
        assertThat(Glob.of("temp*").matches("temperature")).isTrue();
        assertThat(Glob.of("a.b").matches("axb")).as("a dot is literal").isFalse();
        assertThat(Glob.of("(x)[y]").matches("(x)[y]")).isTrue();
    }
}
