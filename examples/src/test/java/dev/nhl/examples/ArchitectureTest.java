package dev.nhl.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The examples use the libraries as any application does: through their public API, never their
 * {@code internal} packages, and never the {@code nhl} command's classes.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.nhl.examples");

  @Test
  void noPackageCycles() {
    slices().matching("dev.nhl.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void onlyPublicApis() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.nhl.index.internal..",
        "dev.nhl.encoder.internal..", "dev.nhl.cli..").check(MAIN);
  }
}
