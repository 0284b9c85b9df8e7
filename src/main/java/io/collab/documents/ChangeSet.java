package io.collab.documents;

import io.vertx.core.json.JsonArray;

import java.util.Arrays;

/**
 * A set of changes to a document of one exact length: CodeMirror 6's {@code ChangeSet}, with the same JSON form and
 * the same composition and mapping, so that the server and {@code @codemirror/collab} clients agree on every
 * document and on every change they exchange. Positions and lengths count UTF-16 code units, like Java's
 * {@link String}.
 *
 * <p>A change set is a list of sections. Each covers {@code len} units of the input document and is either kept
 * ({@code ins == -1}) or replaced by {@code ins} units of text ({@code ins == 0} deletes, {@code len == 0} inserts).
 * Sections are kept as given, like CodeMirror's {@code fromJSON} keeps them; the sets this class builds follow
 * CodeMirror's merging rules, so they compare equal to and serialize like the ones a client builds.
 */
public final class ChangeSet {

  private final int[] sections;
  private final String[] inserted;
  private final int length;
  private final int newLength;

  /** {@code inserted[i]} is the replacement text of section {@code i}, of length {@code ins}; empty when none. */
  ChangeSet(int[] sections, String[] inserted) {
    this.sections = sections;
    this.inserted = inserted;
    long input = 0;
    long output = 0;
    for (int i = 0; i < sections.length; i += 2) {
      input += sections[i];
      output += sections[i + 1] < 0 ? sections[i] : sections[i + 1];
    }
    if (input > Integer.MAX_VALUE || output > Integer.MAX_VALUE) {
      throw new InvalidChangeException("change set is longer than " + Integer.MAX_VALUE + " characters");
    }
    this.length = (int) input;
    this.newLength = (int) output;
  }

  /** Parses CodeMirror's {@code ChangeSet.toJSON()} form; see {@link ChangeSetJson} for what it refuses. */
  public static ChangeSet fromJson(JsonArray json) {
    return ChangeSetJson.parse(json);
  }

  /** Parses what {@code JsonObject.getValue} returns for the changes: a {@link JsonArray} or a {@code List}. */
  public static ChangeSet fromJson(Object json) {
    return ChangeSetJson.parse(json);
  }

  /** The change set that changes nothing in a document of {@code length} units. */
  public static ChangeSet identity(int length) {
    if (length < 0) {
      throw new InvalidChangeException("document length must not be negative, got " + length);
    }
    if (length == 0) {
      return new ChangeSet(new int[0], new String[0]);
    }
    return new ChangeSet(new int[] {length, -1}, new String[] {""});
  }

  /**
   * Replaces {@code from}..{@code to} of a document of {@code length} units with {@code insert}, as CodeMirror's
   * {@code ChangeSet.of({from, to, insert}, length)} does, line breaks included (see {@link #replaceAll}).
   */
  public static ChangeSet of(int length, int from, int to, String insert) {
    if (from < 0 || from > to || to > length) {
      throw new InvalidChangeException(
          "invalid change range " + from + " to " + to + " in a document of length " + length);
    }
    String text = LineBreaks.normalize(insert);
    if (from == to && text.isEmpty()) {
      return identity(length);
    }
    SectionBuilder sections = new SectionBuilder();
    sections.add(from, -1);
    sections.add(to - from, text.length());
    sections.addText(text);
    sections.add(length - to, -1);
    return sections.build();
  }

  /**
   * Replaces a whole document of {@code oldLength} units with {@code text}, as CodeMirror's
   * {@code ChangeSet.of({from: 0, to: oldLength, insert: text}, oldLength)} does. Like CodeMirror, it turns every
   * line break ({@code \r\n}, {@code \r}, {@code \n}) into {@code \n}: a client's document never holds another one,
   * and the server's text must have exactly the client's length.
   */
  public static ChangeSet replaceAll(int oldLength, String text) {
    return of(oldLength, 0, oldLength, text);
  }

  /** The length of the document this applies to. */
  public int length() {
    return length;
  }

  /** The length of the document this produces. */
  public int newLength() {
    return newLength;
  }

  /**
   * Whether this is CodeMirror's empty set: no sections, or one kept section. CodeMirror decides by this shape (not by
   * whether the text would change) when compose and map may return an operand unchanged, so this does the same.
   */
  public boolean empty() {
    return sections.length == 0 || sections.length == 2 && sections[1] < 0;
  }

  /** {@code doc} with these changes made; {@code doc} must have exactly {@link #length()} units. */
  public String apply(String doc) {
    if (doc.length() != length) {
      throw new InvalidChangeException(
          "change applies to a document of length " + length + ", but the document has length " + doc.length());
    }
    StringBuilder result = new StringBuilder(newLength);
    int pos = 0;
    for (int i = 0; i < sections.length; i += 2) {
      int len = sections[i];
      if (sections[i + 1] < 0) {
        result.append(doc, pos, pos + len);
      } else {
        result.append(inserted[i >> 1]);
      }
      pos += len;
    }
    return result.toString();
  }

  /** This, then {@code other}. */
  public ChangeSet compose(ChangeSet other) {
    if (newLength != other.length) {
      throw new InvalidChangeException("cannot compose a change producing length " + newLength
          + " with a change applying to length " + other.length);
    }
    return empty() ? other : other.empty() ? this : Composition.compose(this, other);
  }

  /**
   * This change set moved over {@code other}, which applies to the same document, so that it applies after
   * {@code other}. When both insert at the same position, this one's insertion goes first if {@code before}.
   */
  public ChangeSet map(ChangeSet other, boolean before) {
    if (length != other.length) {
      throw new InvalidChangeException(
          "cannot map a change of length " + length + " over a change of length " + other.length);
    }
    return other.empty() ? this : Mapping.map(this, other, before);
  }

  /** CodeMirror's {@code toJSON()} form. */
  public JsonArray toJson() {
    return ChangeSetJson.write(this);
  }

  int[] sections() {
    return sections;
  }

  String insertedAt(int section) {
    return section < inserted.length ? inserted[section] : "";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChangeSet that
        && Arrays.equals(sections, that.sections)
        && Arrays.equals(inserted, that.inserted);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(sections) + Arrays.hashCode(inserted);
  }

  @Override
  public String toString() {
    return "ChangeSet" + toJson().encode();
  }
}
