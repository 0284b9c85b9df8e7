package io.collab.documents;

import java.util.regex.Pattern;

/**
 * CodeMirror's view of line breaks: a client splits its document at {@code \r\n}, {@code \r} and {@code \n} and joins
 * the lines with {@code \n}, so a text the server hands to clients must contain only {@code \n}, or the two would
 * count different lengths.
 */
public final class LineBreaks {

  private static final Pattern ANY_LINE_BREAK = Pattern.compile("\r\n?|\n");

  private LineBreaks() {
  }

  /** {@code text} with every {@code \r\n} and lone {@code \r} replaced by {@code \n}. */
  public static String normalize(String text) {
    return text.indexOf('\r') < 0 ? text : ANY_LINE_BREAK.matcher(text).replaceAll("\n");
  }
}
