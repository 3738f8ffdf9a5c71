package dev.nhl.index;

import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Seeded randomness for tests: a test method that takes a {@link Random} gets one seeded from
 * {@code -Dtests.seed=HEX} when given, or from a fresh random seed otherwise; the seed is printed
 * when the test fails, so that {@code -Dtests.seed=...} reproduces it.
 */
public final class Seeded implements ParameterResolver, TestWatcher {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Seeded.class);

  /** The seed for a test: the property when set, else random. */
  public static long seed() {
    String prop = System.getProperty("tests.seed");
    if (prop != null && !prop.isBlank()) {
      // Lucene's form "MASTER:METHOD" is accepted too: its first part seeds these tests
      return Long.parseUnsignedLong(prop.strip().split(":")[0], 16);
    }
    return new Random().nextLong();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == Random.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    long seed = seed();
    e.getStore(NS).put("seed", seed);
    return new Random(seed);
  }

  @Override
  public void testFailed(ExtensionContext e, Throwable cause) {
    Long seed = e.getStore(NS).get("seed", Long.class);
    if (seed != null) {
      System.err.printf(
          "%s failed; reproduce with -Dtests.seed=%s%n", e.getDisplayName(), Long.toHexString(seed));
    }
  }
}
