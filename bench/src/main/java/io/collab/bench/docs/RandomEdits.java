package io.collab.bench.docs;

import io.collab.documents.ChangeSet;
import io.vertx.core.json.JsonArray;

import java.util.SplittableRandom;

/**
 * Small random edits at random positions, like typing: an insert of 1 to 4 characters (sometimes a line break or a
 * non-ASCII letter) or a delete of 1 to 3 characters. Deletes win more often as the text grows past twice its
 * initial size, so the document stays around its initial size. Built as CodeMirror's JSON form and parsed by
 * {@link ChangeSet#fromJson}, the same way a pushed change reaches the server.
 */
final class RandomEdits {

  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz_ ()=+.,:0123456789";

  private final SplittableRandom random;
  private final int targetSize;

  RandomEdits(SplittableRandom random, int targetSize) {
    this.random = random;
    this.targetSize = Math.max(16, targetSize);
  }

  ChangeSet next(String text) {
    int length = text.length();
    double deleteChance = length == 0 ? 0 : Math.min(0.9, 0.45 + 0.45 * Math.max(0, length - targetSize) / targetSize);
    JsonArray json = new JsonArray();
    if (random.nextDouble() < deleteChance) {
      int n = Math.min(length, 1 + random.nextInt(3));
      int at = random.nextInt(length - n + 1);
      keep(json, at);
      json.add(new JsonArray().add(n));
      keep(json, length - at - n);
    } else {
      int at = random.nextInt(length + 1);
      JsonArray insert = new JsonArray().add(0);
      StringBuilder line = new StringBuilder();
      int n = 1 + random.nextInt(4);
      for (int i = 0; i < n; i++) {
        int pick = random.nextInt(100);
        if (pick < 4) {
          insert.add(line.toString());   // a line break: the lines of the JSON form are joined by \n
          line.setLength(0);
        } else if (pick < 6) {
          line.append('\u00e9');
        } else {
          line.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
      }
      insert.add(line.toString());
      keep(json, at);
      json.add(insert);
      keep(json, length - at);
    }
    return ChangeSet.fromJson(json);
  }

  private static void keep(JsonArray json, int n) {
    if (n > 0) {
      json.add(n);
    }
  }

  /** Initial content: lines of plausible code, {@code size} characters in all. */
  static String initialText(int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder b = new StringBuilder(size + 64);
    int line = 0;
    while (b.length() < size) {
      b.append("    value_").append(line++).append(" = compute(").append(random.nextInt(1000)).append(", \"")
          .append(Long.toString(random.nextLong() & 0xffffffL, 36)).append("\")\n");
    }
    return b.substring(0, size);
  }
}
