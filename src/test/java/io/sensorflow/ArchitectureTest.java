package io.sensorflow;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of docs/architecture.md, held by the build: the leaves ({@code model}, {@code telemetry}, the config
 * binding library) import nothing of ours; {@code codec}, {@code store} and {@code rule} only the leaves; sources and
 * actions never the pipeline, the pipeline never HTTP, nothing but the command line the composition root; and no two
 * packages import each other, however indirectly.
 */
class ArchitectureTest {

    private static final String OURS = "io.sensorflow..";
    private static final String[] LEAVES = {"io.sensorflow.model..", "io.sensorflow.telemetry..", "io.sensorflow.config.."};
    private static JavaClasses main;

    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sensorflow");
    }

    private static ArchRule onlyImport(String layer, String... allowed) {
        String[] packages = new String[allowed.length + 1];
        packages[0] = layer;
        System.arraycopy(allowed, 0, packages, 1, allowed.length);
        return classes().that().resideInAPackage(layer)
                .should().onlyDependOnClassesThat(resideInAnyPackage(packages).or(resideOutsideOfPackage(OURS)))
                .because(allowed.length == 0 ? layer + " imports nothing of ours"
                        : layer + " may import only " + String.join(", ", allowed));
    }

    @Test
    void theLeavesImportNothingOfOurs() {
        for (String leaf : LEAVES) {
            onlyImport(leaf).check(main);
        }
    }

    @Test
    void codecStoreAndRulesImportOnlyTheLeaves() {
        for (String layer : new String[] {"io.sensorflow.codec..", "io.sensorflow.store..", "io.sensorflow.rule.."}) {
            onlyImport(layer, LEAVES).check(main);
        }
    }

    @Test
    void sourcesAndActionsSitBelowThePipeline() {
        String[] below = {"io.sensorflow.model..", "io.sensorflow.telemetry..", "io.sensorflow.config..",
                "io.sensorflow.codec..", "io.sensorflow.store..", "io.sensorflow.rule.."};
        onlyImport("io.sensorflow.source..", below).check(main);
        String[] withSources = java.util.Arrays.copyOf(below, below.length + 1);
        withSources[below.length] = "io.sensorflow.source..";
        onlyImport("io.sensorflow.action..", withSources).check(main);
    }

    @Test
    void thePipelineKnowsNoHttpAndHttpNoCompositionRoot() {
        noClasses().that().resideInAPackage("io.sensorflow.pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sensorflow.http..", "io.sensorflow.app..",
                        "io.sensorflow.cli..")
                .check(main);
        noClasses().that().resideInAPackage("io.sensorflow.http..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sensorflow.app..", "io.sensorflow.cli..")
                .check(main);
    }

    @Test
    void theClusterSitsBetweenThePipelineAndHttp() {
        noClasses().that().resideInAPackage("io.sensorflow.pipeline..")
                .should().dependOnClassesThat().resideInAPackage("io.sensorflow.cluster..")
                .because("a daemon alone has no cluster code on its reading path")
                .check(main);
        noClasses().that().resideInAPackage("io.sensorflow.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sensorflow.http..", "io.sensorflow.app..",
                        "io.sensorflow.cli..")
                .check(main);
    }

    @Test
    void onlyTheCommandLineImportsTheCompositionRoot() {
        noClasses().that().resideOutsideOfPackages("io.sensorflow.app..", "io.sensorflow.cli..")
                .and().doNotHaveFullyQualifiedName("io.sensorflow.Main")
                .should().dependOnClassesThat().resideInAPackage("io.sensorflow.app..")
                .check(main);
    }

    @Test
    void noPackagesImportEachOther() {
        slices().matching("io.sensorflow.(**)").should().beFreeOfCycles().check(main);
    }
}
