package io.collab.documents;

/**
 * What text a workspace file may hold, wherever it comes from (a REST create or replace, an editor's push): line
 * breaks as editors hold them, its size in the unit {@code files.maxBytes} counts, and the characters PostgreSQL
 * cannot store faithfully.
 */
public final class DocumentText {

  private DocumentText() {}

  /**
   * The text as every CodeMirror editor holds it: {@code \r\n} and {@code \r} become {@code \n} (what
   * {@link ChangeSet#replaceAll} does). Stored text must be in this form, or an editor that opens it would count
   * other lengths than the server and every later change would be refused or misplaced.
   */
  public static String normalized(String text) {
    return text.indexOf('\r') < 0 ? text : ChangeSet.replaceAll(0, text).apply("");
  }

  /** UTF-8 bytes of {@code text}, counted without encoding it (a lone surrogate counts as the 3 bytes of U+FFFD). */
  public static long utf8Bytes(String text) {
    long bytes = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /**
   * Why {@code text} cannot be stored, or null when it can. PostgreSQL {@code text} refuses U+0000, and an unpaired
   * surrogate would be stored as another character than the editors hold, so both are refused up front.
   */
  public static String unstorable(String text) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\0') {
        return "the text must not contain the NUL character";
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return "the text must not contain an unpaired surrogate (at UTF-16 position " + i + ")";
        }
      }
    }
    return null;
  }
}
