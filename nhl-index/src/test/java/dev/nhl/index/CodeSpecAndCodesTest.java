package dev.nhl.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Seeded.class)
class CodeSpecAndCodesTest {

  @Test
  void specValidation() {
    CodeSpec s = CodeSpec.of(16, 32, 64, 128);
    assertEquals(4, s.stages());
    assertEquals(128, s.maxBits());
    assertEquals(16, s.maxBytes());
    assertEquals(2, s.stageOf(64));
    assertEquals(s, CodeSpec.parse(s.toString()));
    assertEquals(s, CodeSpec.parse(" 16, 32,64 ,128 bits"));
    assertEquals(1024, CodeSpec.of(8, 1024).maxBits());

    assertMessage(() -> CodeSpec.of(), "at least one length");
    assertMessage(() -> CodeSpec.of(16, 12), "12");
    assertMessage(() -> CodeSpec.of(32, 16), "strictly increasing, got 32 then 16");
    assertMessage(() -> CodeSpec.of(16, 16), "strictly increasing");
    assertMessage(() -> CodeSpec.of(0), "got 0");
    assertMessage(() -> CodeSpec.of(-8), "got -8");
    assertMessage(() -> CodeSpec.of(CodeSpec.MAX_BITS + 8), "got " + (CodeSpec.MAX_BITS + 8));
    assertMessage(() -> s.stageOf(48), "length 48 is not one of");
    assertMessage(() -> CodeSpec.parse("16,x"), "\"x\" is not a number");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), () -> "message \"" + ex.getMessage() + "\" lacks \"" + part + "\"");
  }

  @Test
  void workedExampleOfTheBitLayout() {
    // bits 0..15: + - - - - - - -   - - - - - - - +  => 0x80 0x01
    float[] v = new float[16];
    java.util.Arrays.fill(v, -1f);
    v[0] = 0.5f;
    v[15] = 3f;
    byte[] code = Codes.fromFloats(v);
    assertArrayEquals(new byte[] {(byte) 0x80, 0x01}, code);
    assertEquals("8001", Codes.toHex(code));
    assertArrayEquals(new long[] {0x8001_0000_0000_0000L}, Codes.toLongs(code));
    assertArrayEquals(code, Codes.fromLongs(new long[] {0x8001_0000_0000_0000L}, 16));
    assertArrayEquals(new byte[] {(byte) 0x80}, Codes.prefix(code, 8));
    assertTrue(Codes.bit(code, 0) && !Codes.bit(code, 1) && Codes.bit(code, 15));
    // zero is not positive
    assertArrayEquals(new byte[] {0}, Codes.fromFloats(new float[] {0f, -0f, 0, 0, 0, 0, 0, 0}));
    assertEquals(2, Codes.hamming(Codes.fromHex("8001"), Codes.fromHex("0000"), 16));
    assertEquals(1, Codes.hamming(Codes.fromHex("8001"), Codes.fromHex("0000"), 8));
  }

  @Test
  void conversionsRoundTrip(Random r) {
    for (int bits : new int[] {8, 16, 24, 64, 72, 128, 1024}) {
      byte[] code = new byte[bits / 8];
      r.nextBytes(code);
      assertArrayEquals(code, Codes.fromHex(Codes.toHex(code)));
      assertArrayEquals(code, Codes.fromHex("0x" + Codes.toHex(code).toUpperCase()));
      assertArrayEquals(code, Codes.fromLongs(Codes.toLongs(code), bits));
      assertArrayEquals(code, Codes.fromFloats(Codes.toSigns(code)));
      long[] words = Codes.toLongs(code);
      for (int i = 0; i < bits; i++) {
        boolean viaLongs = ((words[i / 64] >>> (63 - i % 64)) & 1) != 0;
        assertEquals(Codes.bit(code, i), viaLongs, "bit " + i);
      }
    }
  }

  @Test
  void badInputsAreRejectedWithTheValue() {
    assertMessage(() -> Codes.fromFloats(new float[7]), "got 7");
    float[] nan = new float[8];
    nan[3] = Float.NaN;
    assertMessage(() -> Codes.fromFloats(nan), "value 3 is NaN");
    assertMessage(() -> Codes.fromFloats(new float[8], CodeSpec.of(16)), "expected 16 values");
    assertMessage(() -> Codes.fromHex("abc"), "got 3");
    assertMessage(() -> Codes.fromHex("zz"), "'z' at position 0");
    assertMessage(() -> Codes.fromHex(""), "got 0");
    assertMessage(() -> Codes.fromLongs(new long[] {1L}, 16), "bits set past bit 16");
    assertMessage(() -> Codes.fromLongs(new long[2], 16), "takes 1 longs, got 2");
    assertMessage(() -> Codes.fromLongs(new long[1], 12), "got 12");
    assertMessage(() -> Codes.prefix(new byte[2], 24), "got 24");
    assertMessage(() -> Codes.checkCode(new byte[3], CodeSpec.of(16, 32)), "got 3 bytes");
  }

  @Test
  void hammingOfPackedWordsEqualsHammingOfBytes() {
    java.util.Random r = new java.util.Random(17);
    for (int bits : new int[] {8, 56, 64, 72, 120, 128, 192, 256}) {
      int bytes = bits / 8;
      int words = (bytes + 7) / 8;
      byte[][] codes = new byte[5][bytes];
      long[] packed = new long[codes.length * words];
      for (int i = 0; i < codes.length; i++) {
        r.nextBytes(codes[i]);
        System.arraycopy(Codes.toLongs(codes[i]), 0, packed, i * words, words);
      }
      for (int i = 0; i < codes.length; i++) {
        for (int j = 0; j < codes.length; j++) {
          for (int len = 8; len <= bits; len += 8) {
            assertEquals(Codes.hamming(codes[i], codes[j], len), Codes.hamming(packed, i * words, packed, j * words, len));
          }
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Codes.hamming(new long[2], 1, new long[2], 0, 128));
  }
}
