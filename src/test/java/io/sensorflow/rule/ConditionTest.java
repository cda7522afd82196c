package io.sensorflow.rule;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
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

    @Test
    void theSandboxRefusesJavaAndBoundsSizeNestingAndLoops() {
        assertThat(Condition.compile("java.lang.Runtime.getRuntime().exec('rm -rf /') == null").error())
                .contains("CEL does not compile");
        assertThat(Condition.compile("sensor.getClass().forName('java.lang.System') != null").error())
                .contains("CEL does not compile");
        assertThat(Condition.compile("value > 1.0 || " + "value > 1.0 || ".repeat(400) + "true").error())
                .as("a condition longer than 4,096 characters").contains("CEL does not compile");
        assertThat(Condition.compile("(".repeat(100) + "value > 1.0" + ")".repeat(100)).error())
                .as("nested deeper than 32").contains("CEL does not compile");
        assertThat(Condition.compile("sensor.matches('(a+)+$')").error()).as("RE2 is linear: an evil pattern is fine")
                .isNull();

        // Comprehension macros (all, exists, map, filter) are not enabled, so no condition loops; were they ever,
        // the runtime stops each after a thousand iterations.
        String ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
        assertThat(Condition.compile(ten + ".all(a, " + ten + ".all(b, " + ten + ".all(c, a + b + c >= 0)))").error())
                .contains("undeclared reference to 'all'");
        Condition guarded = Condition.compile("has(tags.room) && tags.room == 'lab'").condition();
        assertThatCode(() -> assertThat(guarded.test(new Reading("s", "m", 1, 1_000, "test"))).isFalse())
                .as("has() guards a missing tag, as docs/rules.md says").doesNotThrowAnyException();
        Condition regex = Condition.compile("sensor.matches('(a+)+$')").condition();
        assertThatCode(() -> regex.test(new Reading("a".repeat(5_000) + "!", "m", 1, 1_000, "test")))
                .doesNotThrowAnyException();
    }
}
