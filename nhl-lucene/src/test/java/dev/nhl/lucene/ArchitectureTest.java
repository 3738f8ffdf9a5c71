package dev.nhl.lucene;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** nhl-lucene is an adapter: it reaches nhl-index through its public API only, and nothing above it. */
class ArchitectureTest {

  static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.nhl.lucene");

  @Test
  void noPackageCycles() {
    slices().matching("dev.nhl.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void onlyThePublicApiOfNhlIndex() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.nhl.index.internal..").check(MAIN);
  }

  @Test
  void nothingAbove() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.nhl.opensearch..", "dev.nhl.encoder..",
        "dev.nhl.cli..", "dev.nhl.examples..").check(MAIN);
  }
}
