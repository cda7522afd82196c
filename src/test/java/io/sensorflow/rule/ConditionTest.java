package io.sensorflow.rule;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConditionTest {

    private static Reading reading(double value) {
        return new Reading("lab-1", "temperature", value, 1_000, Map.of("room", "lab"), "test");
    }

    @Test
    void evaluatesOverValueSensorMetricAndTags() throws Exception {
        Condition condition = Condition.compile(
                "value > 30.0 && sensor.startsWith('lab') && metric == 'temperature' && tags['room'] == 'lab'").condition();
        assertThat(condition.test(reading(31))).isTrue();
        assertThat(condition.test(reading(29))).isFalse();
    }

    @Test
    void rejectsSyntaxErrorsWithTheColumn() {
        Condition.Compiled compiled = Condition.compile("value >");
        assertThat(compiled.condition()).isNull();
        assertThat(compiled.error()).startsWith("CEL does not compile:").contains("column");
    }

    @Test
    void rejectsUnknownVariablesAndNonBooleanResults() {
        assertThat(Condition.compile("temp > 30.0").error()).contains("undeclared reference").contains("temp");
        assertThat(Condition.compile("value + 1.0").error()).contains("CEL does not compile");
    }

    @Test
    void failsAtRunTimeOnAMissingTagInsteadOfAnsweringFalse() {
        Condition condition = Condition.compile("tags['floor'] == '2'").condition();
        assertThatThrownBy(() -> condition.test(reading(1))).isInstanceOf(Exception.class);
    }

    @Test
    void simpleComparisonsAnswerExactlyAsCelDoes() throws Exception {
        double[] values = {-1e9, -30.5, -0.0, 0.0, 1e-9, 29.999999, 30.0, 30.000001, 31, 1e300};
        for (String op : new String[]{">", ">=", "<", "<=", "==", "!="}) {
            for (String limit : new String[]{"30.0", "-30.5", "0.0", "1e300"}) {
                Condition fast = Condition.compile("value " + op + " " + limit).condition();
                // The same comparison with a term that keeps it on CEL's own interpreter.
                Condition cel = Condition.compile("(value " + op + " " + limit + ") && sensor != ''").condition();
                for (double v : values) {
                    assertThat(fast.test(reading(v))).as("%s %s %s", v, op, limit).isEqualTo(cel.test(reading(v)));
                }
            }
        }
    }
}
