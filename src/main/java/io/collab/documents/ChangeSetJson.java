package io.collab.documents;

import io.vertx.core.json.JsonArray;

import java.math.BigDecimal;
import java.util.List;

/**
 * The JSON form of a {@link ChangeSet}, as CodeMirror's {@code toJSON} writes it: an array whose elements are a number
 * {@code n} (keep {@code n} units) or an array {@code [n, line1, line2, ...]} (replace {@code n} units with the lines
 * joined by {@code \n}; {@code [n]} deletes).
 *
 * <p>Parsing is stricter than CodeMirror's {@code fromJSON}, which checks only the types: the input comes from
 * clients, so lengths must be non-negative integers, totals must fit an int, and a line must not contain {@code \n}
 * (CodeMirror never writes one, and it would make the lines this class writes back differ from those it read). Nor
 * may a section be empty ({@code 0}, {@code [0]}, {@code [0, ""]}): CodeMirror never writes one, and its composition
 * inserts a replacement twice when it follows an empty kept section.
 */
final class ChangeSetJson {

  private static final BigDecimal MAX_INT = BigDecimal.valueOf(Integer.MAX_VALUE);

  private ChangeSetJson() {
  }

  static ChangeSet parse(Object json) {
    if (json instanceof JsonArray array) {
      return parse(array);
    }
    if (json instanceof List<?> list) {
      return parse(new JsonArray(list));
    }
    throw new InvalidChangeException("changes must be a JSON array, got " + describe(json));
  }

  static ChangeSet parse(JsonArray json) {
    if (json == null) {
      throw new InvalidChangeException("changes must be a JSON array, got null");
    }
    int[] sections = new int[json.size() * 2];
    String[] inserted = new String[json.size()];
    for (int i = 0; i < json.size(); i++) {
      Object element = json.getValue(i);
      inserted[i] = "";
      if (element instanceof Number number) {
        sections[2 * i] = length(number, "change element " + i);
        sections[2 * i + 1] = -1;
      } else if (element instanceof JsonArray replacement) {
        sections[2 * i] = replacedLength(replacement, i);
        inserted[i] = lines(replacement, i);
        sections[2 * i + 1] = inserted[i].length();
      } else {
        throw new InvalidChangeException("change element " + i
            + " must be a number (kept length) or an array (replaced length and lines), got " + describe(element));
      }
      if (sections[2 * i] == 0 && sections[2 * i + 1] <= 0) {
        throw new InvalidChangeException("change element " + i + " is empty: it neither keeps, deletes nor inserts");
      }
    }
    return new ChangeSet(sections, inserted);
  }

  static JsonArray write(ChangeSet changes) {
    int[] sections = changes.sections();
    JsonArray json = new JsonArray();
    for (int i = 0; i < sections.length; i += 2) {
      int len = sections[i];
      int ins = sections[i + 1];
      if (ins < 0) {
        json.add(len);
      } else {
        JsonArray replacement = new JsonArray().add(len);
        if (ins > 0) {
          for (String line : changes.insertedAt(i >> 1).split("\n", -1)) {
            replacement.add(line);
          }
        }
        json.add(replacement);
      }
    }
    return json;
  }

  private static int replacedLength(JsonArray replacement, int index) {
    if (replacement.isEmpty()) {
      throw new InvalidChangeException("change element " + index + " is an empty array; it must start with a length");
    }
    Object first = replacement.getValue(0);
    if (!(first instanceof Number number)) {
      throw new InvalidChangeException(
          "change element " + index + " must start with a length, got " + describe(first));
    }
    return length(number, "the length in change element " + index);
  }

  /** The replacement text: the lines after the length, joined by {@code \n}; empty for a deletion. */
  private static String lines(JsonArray replacement, int index) {
    StringBuilder text = new StringBuilder();
    long total = 0;
    for (int line = 1; line < replacement.size(); line++) {
      Object value = replacement.getValue(line);
      if (!(value instanceof String string)) {
        throw new InvalidChangeException(
            "line " + line + " of change element " + index + " must be a string, got " + describe(value));
      }
      if (string.indexOf('\n') >= 0) {
        throw new InvalidChangeException("line " + line + " of change element " + index + " contains a line break");
      }
      total += string.length() + (line > 1 ? 1 : 0);
      if (total > Integer.MAX_VALUE) {
        throw new InvalidChangeException("the text of change element " + index + " is too long");
      }
      text.append(line > 1 ? "\n" : "").append(string);
    }
    return text.toString();
  }

  /** A length: a JSON number with an integral value from 0 to {@link Integer#MAX_VALUE}. */
  private static int length(Number number, String what) {
    BigDecimal value;
    try {
      value = new BigDecimal(number.toString());
    } catch (NumberFormatException notFinite) {
      throw new InvalidChangeException(what + " must be a finite number, got " + number);
    }
    if (value.signum() < 0) {
      throw new InvalidChangeException(what + " must not be negative, got " + number);
    }
    if (value.stripTrailingZeros().scale() > 0) {
      throw new InvalidChangeException(what + " must be an integer, got " + number);
    }
    if (value.compareTo(MAX_INT) > 0) {
      throw new InvalidChangeException(what + " is too large: " + number);
    }
    return value.intValueExact();
  }

  /** The value's type and the start of its text: enough to find the mistake, short enough for an error message. */
  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    String text = String.valueOf(value);
    return value.getClass().getSimpleName() + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }
}
