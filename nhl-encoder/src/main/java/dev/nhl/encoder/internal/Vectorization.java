package dev.nhl.encoder.internal;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Decides once per JVM whether nhl-encoder's Vector API kernels run (training's matrix products,
 * image resampling) or their scalar twins, which give the same results up to float rounding.
 * This class imports no vector type, so reading the decision never loads one: the kernels' classes
 * are loaded only when it says yes.
 *
 * <p>Yes when the {@code jdk.incubator.vector} module is readable ({@code --add-modules
 * jdk.incubator.vector}) and the system property {@value #PROPERTY} (the one nhl-index reads) is
 * not {@code scalar}. Without the module it logs one warning naming the fix.
 *
 * <p>Not part of the public API.
 */
public final class Vectorization {

  /** The system property that forces the scalar code: {@code -Dnhl.vectorization=scalar}. */
  public static final String PROPERTY = "nhl.vectorization";

  private static final boolean ENABLED = decide();

  private Vectorization() {}

  /** Whether the Vector API kernels run in this JVM. */
  public static boolean enabled() {
    return ENABLED;
  }

  private static boolean decide() {
    String mode = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
    if (mode.equals("scalar")) {
      return false;
    }
    boolean readable = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    if (!readable) {
      System.getLogger("dev.nhl.encoder").log(Level.WARNING, "nhl encoder: jdk.incubator.vector is not readable, "
          + "training and resizing run scalar code; add --add-modules jdk.incubator.vector to the java command line");
    }
    return readable;
  }
}
