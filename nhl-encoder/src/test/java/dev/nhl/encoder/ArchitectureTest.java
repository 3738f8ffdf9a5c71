package dev.nhl.encoder;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * nhl-encoder's layers, bottom up: the model contract ({@code model}, tensor names, metadata keys,
 * binarisation); image decoding ({@code image}); runtime encoding ({@link ImageEncoder}, {@link
 * FeatureEncoder}); training ({@code training}); model editing ({@code onnx}), above training.
 * Each may use the ones below it, never those above, and no two packages use each other.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.nhl.encoder");

  @Test
  void noPackageCycles() {
    slices().matching("dev.nhl.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theContractDependsOnNothingAbove() {
    noClasses().that().resideInAPackage("dev.nhl.encoder.model..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.nhl.encoder", "dev.nhl.encoder.image..",
            "dev.nhl.encoder.training..", "dev.nhl.encoder.onnx..")
        .check(MAIN);
  }

  @Test
  void imageCodeStandsOnTheContractOnly() {
    noClasses().that().resideInAPackage("dev.nhl.encoder.image..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.nhl.encoder", "dev.nhl.encoder.training..",
            "dev.nhl.encoder.onnx..")
        .check(MAIN);
  }

  @Test
  void runtimeEncodingNeverNeedsTrainingOrModelEditing() {
    noClasses().that().belongToAnyOf(ImageEncoder.class, FeatureEncoder.class, Device.class, OrtSessions.class)
        .should().dependOnClassesThat().resideInAnyPackage("dev.nhl.encoder.training..", "dev.nhl.encoder.onnx..")
        .check(MAIN);
  }

  @Test
  void trainingNeverNeedsModelEditingOrTheRuntime() {
    noClasses().that().resideInAPackage("dev.nhl.encoder.training..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.nhl.encoder", "dev.nhl.encoder.onnx..")
        .check(MAIN);
  }

  @Test
  void onlyThePublicApiOfNhlIndex() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.nhl.index.internal..").check(MAIN);
  }
}
