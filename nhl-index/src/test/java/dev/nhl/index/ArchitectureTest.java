package dev.nhl.index;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * nhl-index's layers: the kernels ({@code internal.vectorization}, the only code that touches the
 * Vector API) at the bottom, the search core above them, the standalone index and its file format
 * on top; nothing of nhl's other modules.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.nhl.index");

  @Test
  void noPackageCycles() {
    slices().matching("dev.nhl.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theKernelsDependOnNothingAbove() {
    noClasses().that().resideInAPackage("dev.nhl.index.internal..")
        .should().dependOnClassesThat().resideInAPackage("dev.nhl.index")
        .check(MAIN);
  }

  @Test
  void theVectorApiOnlyInTheKernels() {
    noClasses().that().resideOutsideOfPackage("dev.nhl.index.internal.vectorization..")
        .should().dependOnClassesThat().resideInAPackage("jdk.incubator.vector..")
        .check(MAIN);
  }

  /** A distance is computed by the kernels or by {@link Codes}; a set's size ({@link DeletedIds}) is no distance. */
  @Test
  void popcountOnlyInTheKernelsAndCodes() {
    noClasses().that().resideOutsideOfPackage("dev.nhl.index.internal.vectorization..")
        .and().doNotBelongToAnyOf(Codes.class, DeletedIds.class)
        .should().callMethod(Long.class, "bitCount", long.class)
        .orShould().callMethod(Integer.class, "bitCount", int.class)
        .check(MAIN);
  }

  /** The search core (segments, tables, columns, kernels) below the standalone index and its file format. */
  @Test
  void theCoreBelowTheStandaloneIndex() {
    Class<?>[] standalone = {NestedCodeIndex.class, IndexFileReader.class, IndexFileWriter.class, IndexFileFormat.class};
    noClasses().that().resideInAPackage("dev.nhl.index..").and(
            com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf(standalone)))
        .should().dependOnClassesThat().belongToAnyOf(standalone)
        .check(MAIN);
  }

  @Test
  void theCoreKnowsNoOtherModule() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.nhl.lucene..", "dev.nhl.encoder..",
        "dev.nhl.opensearch..", "org.apache.lucene..")
        .check(MAIN);
  }
}
