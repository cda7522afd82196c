package io.sensorflow.rule;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.sensorflow.model.Reading;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A compiled CEL expression over one observation that must yield a bool. CEL is sandboxed and side-effect free, so
 * an operator's condition can never run arbitrary code. Variables every rule type has: {@code value} (double),
 * {@code sensor}, {@code metric}, {@code group} (string), {@code timestamp} (int, epoch ms) and {@code tags} (map of
 * string to string); rule types add their own (see {@link Derivation#variables()}).
 */
public final class Condition {

    /**
     * The bounds of the sandbox. CEL reaches no Java class, file or process, but one condition runs for every
     * reading in the one stage that evaluates rules, so a condition that loops or allocates without end would stall
     * intake for every sensor: its length, nesting and size are bounded at compile time, and regular expressions
     * are RE2 (linear time) of bounded size. Of the macros only {@code has} is enabled: the comprehensions
     * ({@code all}, {@code exists}, {@code map}, {@code filter}) are not, so nothing loops; should they be, the runtime stops each comprehension after
     * {@value #MAX_ITERATIONS} iterations (the evaluation then fails, counted as a rule error).
     */
    static final int MAX_ITERATIONS = 1_000;

    private static final CelOptions OPTIONS = CelOptions.current()
            .maxExpressionCodePointSize(4_096)
            .maxParseRecursionDepth(32)
            .maxParseExpressionNodeCount(2_000)
            .comprehensionMaxIterations(MAX_ITERATIONS)
            .maxRegexProgramSize(1_000)
            .build();

    // Building the compiler and runtime is expensive (hundreds of ms); one of each serves every rule.
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            // has(tags.room), which docs/rules.md offers to guard a missing tag; the looping macros stay off.
            .setStandardMacros(CelStandardMacro.HAS)
            .addVar("value", SimpleType.DOUBLE)
            .addVar("sensor", SimpleType.STRING)
            .addVar("metric", SimpleType.STRING)
            .addVar("group", SimpleType.STRING)
            .addVar("timestamp", SimpleType.INT)
            .addVar("tags", MapType.create(SimpleType.STRING, SimpleType.STRING))
            .addVar("unit", SimpleType.STRING)
            .addVar("state", SimpleType.STRING)
            .setResultType(SimpleType.BOOL)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();
    /** Compilers that know a rule type's extra variables, built once per distinct set. */
    private static final Map<String, CelCompiler> EXTENDED = new ConcurrentHashMap<>();

    /** {@code value <op> <number>}, the commonest condition by far, which needs no interpreter. */
    private static final java.util.regex.Pattern SIMPLE = java.util.regex.Pattern.compile(
            "\\s*value\\s*(>=|<=|==|!=|>|<)\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\s*");

    private final String expression;
    private final CelRuntime.Program program;
    /** The same test as {@link #program} for simple comparisons, without CEL; null otherwise. */
    private final java.util.function.DoublePredicate simple;

    private Condition(String expression, CelRuntime.Program program) {
        this.expression = expression;
        this.program = program;
        this.simple = simple(expression);
    }

    /**
     * A compiled form of {@code value <op> <number>}. CEL compares doubles the way Java does (IEEE 754), so the
     * answer is the same; a test pins that down.
     */
    private static java.util.function.DoublePredicate simple(String expression) {
        java.util.regex.Matcher m = SIMPLE.matcher(expression);
        if (!m.matches()) {
            return null;
        }
        double limit = Double.parseDouble(m.group(2));
        return switch (m.group(1)) {
            case ">" -> v -> v > limit;
            case ">=" -> v -> v >= limit;
            case "<" -> v -> v < limit;
            case "<=" -> v -> v <= limit;
            case "==" -> v -> v == limit;
            default -> v -> v != limit;
        };
    }

    /** Compiles and type-checks {@code expression}; the result carries either the condition or every CEL error. */
    public static Compiled compile(String expression) {
        return compile(expression, Map.of());
    }

    /** Compiles with {@code extra} variables declared beside the common ones. */
    public static Compiled compile(String expression, Map<String, CelType> extra) {
        CelValidationResult result = compiler(extra).compile(expression);
        if (result.hasError()) {
            String errors = result.getErrors().stream()
                    .map(issue -> issue.getMessage() + " (at column " + (issue.getSourceLocation().getColumn() + 1) + ")")
                    .collect(Collectors.joining("; "));
            return new Compiled(null, "CEL does not compile: " + errors);
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            return new Compiled(new Condition(expression, RUNTIME.createProgram(ast)), null);
        } catch (Exception e) {
            return new Compiled(null, "CEL does not compile: " + e.getMessage());
        }
    }

    private static CelCompiler compiler(Map<String, CelType> extra) {
        if (extra.isEmpty()) {
            return COMPILER;
        }
        Map<String, CelType> sorted = new TreeMap<>(extra);
        StringBuilder signature = new StringBuilder();
        sorted.forEach((name, type) -> signature.append(name).append(':').append(type.name()).append(';'));
        return EXTENDED.computeIfAbsent(signature.toString(), k -> {
            var builder = COMPILER.toCompilerBuilder();
            sorted.forEach(builder::addVar);
            return builder.build();
        });
    }

    /**
     * Evaluates against a reading.
     *
     * @throws CelEvaluationException when the expression fails at run time (e.g. a missing tag); the caller treats
     *                                that as "unknown" rather than false
     */
    public boolean test(Reading reading) throws CelEvaluationException {
        return test(variables(reading));
    }

    /** Evaluates against variables made once per reading by {@link #variables}, shared by every rule it meets. */
    public boolean test(Map<String, ?> variables) throws CelEvaluationException {
        if (simple != null && variables.get("value") instanceof Double value) {
            return simple.test(value);
        }
        return Boolean.TRUE.equals(program.eval(variables));
    }

    /** The variables a condition sees for one reading. */
    public static Map<String, Object> variables(Reading reading) {
        return Map.of(
                "value", reading.value(),
                "sensor", reading.sensor(),
                "metric", reading.metric(),
                "group", "",
                "timestamp", reading.timestamp(),
                "tags", reading.tags(),
                "unit", reading.unit() == null ? "" : reading.unit(),
                "state", reading.state() == null ? "" : reading.state());
    }

    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return expression;
    }

    /** Either a condition or why the expression is not one. */
    public record Compiled(Condition condition, String error) {
    }
}
