package dev.nhl.index.internal.vectorization;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Chooses, once per JVM, the implementation of the Hamming kernels: the Vector API one when the
 * {@code jdk.incubator.vector} module is readable and the CPU has vectors of at least 256 bits,
 * the scalar one otherwise. When it falls back it logs one warning naming the fix.
 *
 * <p>The system property {@value #PROPERTY} overrides the choice: {@code auto} (default), {@code
 * scalar} or {@code panama}. Any other value, or {@code panama} where it cannot run, fails the
 * lookup with an {@link IllegalArgumentException}.
 *
 * <p>Not part of the public API: nothing outside this package touches the Vector API.
 */
public final class VectorizationProvider {

  /** The system property that overrides the choice. */
  public static final String PROPERTY = "nhl.vectorization";

  private static final String FIX =
      "add --add-modules jdk.incubator.vector to the java command line to enable SIMD Hamming kernels";

  private final String name;
  private final HammingKernel kernel;

  private VectorizationProvider(String name, HammingKernel kernel) {
    this.name = name;
    this.kernel = kernel;
  }

  /** The provider chosen for this JVM. */
  public static VectorizationProvider getInstance() {
    return Holder.INSTANCE;
  }

  /** {@code "panama"} or {@code "scalar"}. */
  public String name() {
    return name;
  }

  /** The Hamming kernels. */
  public HammingKernel hammingKernel() {
    return kernel;
  }

  @Override
  public String toString() {
    return name
        + (name.equals("panama") ? " (" + PanamaHammingKernel.vectorBitSize() + "-bit vectors)" : "");
  }

  /** The scalar provider, whatever the JVM offers. */
  static VectorizationProvider scalar() {
    return new VectorizationProvider("scalar", new ScalarHammingKernel());
  }

  /** Whether the Vector API kernel can run in this JVM, or why not. */
  static String panamaUnavailableReason() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "the module jdk.incubator.vector is not readable: " + FIX;
    }
    int bits;
    try {
      bits = PanamaHammingKernel.vectorBitSize();
    } catch (LinkageError e) {
      return "the Vector API failed to load (" + e + "): " + FIX;
    }
    if (bits < 256) {
      return "the CPU's widest vectors have " + bits + " bits; the SIMD kernels need 256";
    }
    return null;
  }

  /**
   * The provider for a value of {@value #PROPERTY}, whatever this JVM chose: benchmarks use it to
   * run both implementations side by side.
   *
   * @throws IllegalArgumentException for an unknown value, or {@code panama} where it cannot run
   */
  public static VectorizationProvider lookup(String requested) {
    String value = requested == null ? "auto" : requested.strip().toLowerCase(Locale.ROOT);
    switch (value) {
      case "scalar":
        return scalar();
      case "panama": {
        String reason = panamaUnavailableReason();
        if (reason != null) {
          throw new IllegalArgumentException(
              "-D" + PROPERTY + "=panama was requested but cannot run: " + reason);
        }
        return new VectorizationProvider("panama", new PanamaHammingKernel());
      }
      case "auto", "": {
        String reason = panamaUnavailableReason();
        if (reason == null) {
          return new VectorizationProvider("panama", new PanamaHammingKernel());
        }
        System.getLogger(VectorizationProvider.class.getName())
            .log(Level.WARNING, "nhl uses scalar Hamming kernels: " + reason);
        return scalar();
      }
      default:
        throw new IllegalArgumentException(
            "unknown value \""
                + requested
                + "\" for -D"
                + PROPERTY
                + "; expected auto, scalar or panama");
    }
  }

  private static final class Holder {
    static final VectorizationProvider INSTANCE = lookup(System.getProperty(PROPERTY));
  }
}
