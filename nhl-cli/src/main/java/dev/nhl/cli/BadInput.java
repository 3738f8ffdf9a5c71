package dev.nhl.cli;

/**
 * What the user gave is wrong: a value, a file, a model that does not fit. The command exits with
 * 2 and this message; any other failure exits with 1 (its stack trace under {@code --verbose}).
 */
final class BadInput extends IllegalArgumentException {

  BadInput(String message) {
    super(message);
  }

  BadInput(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Runs a library call on values the user gave: the library's refusal ({@link
   * IllegalArgumentException}) is the user's input being wrong, and says so with exit 2.
   */
  static <T> T of(Call<T> call) throws java.io.IOException {
    try {
      return call.run();
    } catch (BadInput e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage(), e);
    }
  }

  /** A library call on the user's values. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws java.io.IOException;
  }
}
