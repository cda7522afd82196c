package io.sensorflow.cli;

import io.sensorflow.app.ruletest.RuleTestFile;
import io.sensorflow.app.ruletest.RuleTestRunner;
import io.sensorflow.config.ConfigException;
import io.sensorflow.config.ConfigProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sensorflow test FILE...}: runs rule test files, like {@code promtool test rules}. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Run rule test files: feed readings at given times through the rules and compare the alert "
                + "transitions (and rendered actions) with the expected ones. Exit 1 if any case fails.")
final class TestCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "rule test files (*.test.conf)")
    List<Path> files;

    @Override
    public Integer call() {
        return run(files, System.out);
    }

    static int run(List<Path> files, PrintStream out) {
        int passed = 0;
        int failed = 0;
        int broken = 0;
        for (Path file : files) {
            RuleTestFile tests;
            try {
                tests = RuleTestFile.load(file);
            } catch (ConfigException e) {
                out.println("ERROR " + file);
                for (ConfigProblem problem : e.problems()) {
                    out.println("  " + problem);
                }
                broken++;
                continue;
            }
            for (RuleTestRunner.Result result : RuleTestRunner.run(tests)) {
                if (result.passed()) {
                    passed++;
                    out.println("PASS " + file + ": " + result.name());
                } else {
                    failed++;
                    out.println("FAIL " + file + ": " + result.name());
                    out.print(result.report());
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed" + (broken == 0 ? "" : ", " + broken
                + (broken == 1 ? " file" : " files") + " could not be read"));
        return failed == 0 && broken == 0 ? 0 : 1;
    }
}
