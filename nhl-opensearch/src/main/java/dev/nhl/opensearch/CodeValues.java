package dev.nhl.opensearch;

import dev.nhl.index.Codes;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.xcontent.XContentParser;

/**
 * A code as JSON gives it: a hex string (two digits a byte, the first bit of the code the most
 * significant bit of the first byte), or an array of numbers whose signs are the bits (bit i set
 * when element i is positive), as a model's tanh or sign outputs are.
 */
final class CodeValues {

  private CodeValues() {}

  /**
   * The code at the parser's current token, a string or the start of an array.
   *
   * @throws IllegalArgumentException naming what was found, if it is neither, a string is not
   *     hex, an array holds something other than numbers, or the array's length is not a
   *     multiple of 8
   */
  static byte[] parse(XContentParser parser, String what) throws IOException {
    XContentParser.Token token = parser.currentToken();
    if (token == XContentParser.Token.VALUE_STRING) {
      return fromHex(parser.text(), what);
    }
    if (token == XContentParser.Token.START_ARRAY) {
      float[] values = new float[16];
      int n = 0;
      for (token = parser.nextToken(); token != XContentParser.Token.END_ARRAY; token = parser.nextToken()) {
        if (token != XContentParser.Token.VALUE_NUMBER) {
          throw new IllegalArgumentException(
              what + " must be a hex string or an array of numbers, found an array holding " + describe(token));
        }
        if (n == values.length) {
          values = java.util.Arrays.copyOf(values, 2 * n);
        }
        values[n++] = parser.floatValue();
      }
      return fromSigns(java.util.Arrays.copyOf(values, n), what);
    }
    throw new IllegalArgumentException(what + " must be a hex string or an array of numbers, found " + describe(token));
  }

  /** The code in a value of a map parsed from JSON: a string or a list of numbers. */
  static byte[] fromObject(Object value, String what) {
    if (value instanceof String s) {
      return fromHex(s, what);
    }
    if (value instanceof List<?> list) {
      float[] values = new float[list.size()];
      for (int i = 0; i < values.length; i++) {
        if (!(list.get(i) instanceof Number num)) {
          throw new IllegalArgumentException(
              what + " must be a hex string or an array of numbers, found an array holding [" + list.get(i) + "]");
        }
        values[i] = num.floatValue();
      }
      return fromSigns(values, what);
    }
    throw new IllegalArgumentException(
        what + " must be a hex string or an array of numbers, found [" + value + "]");
  }

  private static byte[] fromHex(String hex, String what) {
    try {
      return Codes.fromHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not a hex code: " + e.getMessage(), e);
    }
  }

  private static byte[] fromSigns(float[] values, String what) {
    if (values.length == 0 || values.length % 8 != 0) {
      throw new IllegalArgumentException(
          what + " as an array needs one number a bit, a positive multiple of 8 of them, got " + values.length);
    }
    try {
      return Codes.fromFloats(values);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  /** Reads one field's value at the parser's current token. */
  interface FieldReader {
    void read(XContentParser parser) throws IOException;
  }

  /**
   * Reads a query's JSON object, after its start, to its end: each field's value goes to the
   * reader of its name. Every error is a {@link ParsingException} (HTTP 400) naming the query.
   *
   * @param taken the names the query takes, for the message about an unknown one
   */
  static void readObject(XContentParser parser, String query, String taken, Map<String, FieldReader> readers)
      throws IOException {
    String current = null;
    for (XContentParser.Token token = parser.nextToken(); token != XContentParser.Token.END_OBJECT; token = parser.nextToken()) {
      if (token == XContentParser.Token.FIELD_NAME) {
        current = parser.currentName();
        continue;
      }
      if (token == null) {
        throw new ParsingException(parser.getTokenLocation(), "[" + query + "] ended before its object was closed");
      }
      FieldReader reader = current == null ? null : readers.get(current);
      if (reader == null) {
        throw new ParsingException(parser.getTokenLocation(), "[" + query + "] does not take [" + current + "]; it takes " + taken);
      }
      try {
        reader.read(parser);
      } catch (IllegalArgumentException e) {
        throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
      }
    }
  }

  /** The string at the parser's current token. */
  static String text(XContentParser parser, String query, String name) throws IOException {
    if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
      throw new IllegalArgumentException("[" + query + "] [" + name + "] must be a string, got " + parser.currentToken());
    }
    return parser.text();
  }

  private static String describe(XContentParser.Token token) {
    return token == null ? "nothing" : switch (token) {
      case VALUE_NUMBER -> "a number";
      case VALUE_BOOLEAN -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      default -> token.name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
