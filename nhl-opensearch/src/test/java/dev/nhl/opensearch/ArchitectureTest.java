package dev.nhl.opensearch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.opensearch.test.OpenSearchTestCase;

/**
 * nhl-opensearch is an adapter of adapters: it reaches nhl-index and nhl-lucene through their
 * public APIs only, and holds no search logic of its own.
 */
public class ArchitectureTest extends OpenSearchTestCase {

  private static JavaClasses main() {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.nhl.opensearch");
  }

  public void testNoPackageCycles() {
    slices().matching("dev.nhl.(**)").should().beFreeOfCycles().check(main());
  }

  public void testOnlyPublicApis() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.nhl.index.internal..").check(main());
  }

  public void testNoCommandLineOrEncoder() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.nhl.encoder..", "dev.nhl.cli..",
        "dev.nhl.examples..").check(main());
  }
}
