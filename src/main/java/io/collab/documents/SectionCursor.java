package io.collab.documents;

/**
 * Walks the sections of a {@link ChangeSet} and can stop inside one: CodeMirror's {@code SectionIter}, which
 * composition and mapping both step through in pieces.
 *
 * <p>{@code len} is what is left of the current section in the input document, {@code ins} what is left of its
 * replacement ({@code -1} for a kept section, {@link #DONE} past the end), {@code off} how far into the section the
 * cursor has moved. {@code end} identifies the current section (the index just past its pair), which mapping uses to
 * remember whether it has already emitted a section's insertion.
 */
final class SectionCursor {

  static final int DONE = -2;

  private final ChangeSet set;
  int end;
  int len;
  int ins;
  int off;

  SectionCursor(ChangeSet set) {
    this.set = set;
    next();
  }

  void next() {
    int[] sections = set.sections();
    if (end < sections.length) {
      len = sections[end++];
      ins = sections[end++];
    } else {
      len = 0;
      ins = DONE;
    }
    off = 0;
  }

  boolean done() {
    return ins == DONE;
  }

  /** What is left of the current section in the output document. */
  int len2() {
    return ins < 0 ? len : ins;
  }

  /** The whole replacement text of the current section. */
  String text() {
    return set.insertedAt((end - 2) >> 1);
  }

  /** The part of the replacement text from the cursor on, {@code length} units long. */
  String textBit(int length) {
    return text().substring(off, off + length);
  }

  /** Moves forward in the input document. */
  void forward(int length) {
    if (length == len) {
      next();
    } else {
      len -= length;
      off += length;
    }
  }

  /** Moves forward in the output document. */
  void forward2(int length) {
    if (ins == -1) {
      forward(length);
    } else if (length == ins) {
      next();
    } else {
      ins -= length;
      off += length;
    }
  }
}
