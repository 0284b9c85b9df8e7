package io.collab.documents;

/**
 * Moves a change set over another one that applies to the same document, so that it applies after it:
 * CodeMirror's {@code mapSet}, step for step. Where both insert at the same position, {@code before} says whether
 * the mapped set's insertion goes first, and a change in the other set that starts at the same position as a change
 * in the mapped one but is shorter goes first regardless.
 */
final class Mapping {

  private Mapping() {
  }

  /** Requires {@code mapped.length() == over.length()}; the caller checks it. */
  static ChangeSet map(ChangeSet mapped, ChangeSet over, boolean before) {
    SectionBuilder result = new SectionBuilder();
    SectionCursor a = new SectionCursor(mapped);
    SectionCursor b = new SectionCursor(over);
    // the section of a (its cursor end) whose insertion is already written: a may be split into several pieces
    int inserted = -1;
    while (true) {
      if (a.done() && b.len != 0 || b.done() && a.len != 0) {
        throw new InvalidChangeException("cannot map change sets of mismatched lengths");
      } else if (a.ins == -1 && b.ins == -1) {
        int len = Math.min(a.len, b.len);
        result.add(len, -1);
        a.forward(len);
        b.forward(len);
      } else if (b.ins >= 0 && (a.ins < 0 || inserted == a.end
          || a.off == 0 && (b.len < a.len || b.len == a.len && !before))) {
        inserted = skipChangeInOver(result, a, b, inserted);
      } else if (a.ins >= 0) {
        inserted = keepChangeInMapped(result, a, b, inserted);
      } else if (a.done() && b.done()) {
        return result.build();
      } else {
        throw new InvalidChangeException("cannot map change sets of mismatched lengths");
      }
    }
  }

  /**
   * The next change of {@code over} comes first: its output is kept, and the parts of {@code mapped} it covers
   * vanish, except insertions that fit inside it, which are written once.
   */
  private static int skipChangeInOver(SectionBuilder result, SectionCursor a, SectionCursor b, int inserted) {
    int len = b.len;
    result.add(b.ins, -1);
    while (len != 0) {
      int piece = Math.min(a.len, len);
      if (a.ins >= 0 && inserted < a.end && a.len <= piece) {
        result.add(0, a.ins);
        result.addText(a.text());
        inserted = a.end;
      }
      a.forward(piece);
      len -= piece;
    }
    b.next();
    return inserted;
  }

  /**
   * The next change of {@code mapped} comes first: it replaces what {@code over} keeps of its range, up to the next
   * change of {@code over} that is not a deletion inside it.
   */
  private static int keepChangeInMapped(SectionBuilder result, SectionCursor a, SectionCursor b, int inserted) {
    int len = 0;
    int left = a.len;
    while (left != 0) {
      if (b.ins == -1) {
        int piece = Math.min(left, b.len);
        len += piece;
        left -= piece;
        b.forward(piece);
      } else if (b.ins == 0 && b.len < left) {
        left -= b.len;
        b.next();
      } else {
        break;
      }
    }
    boolean firstPiece = inserted < a.end;
    result.add(len, firstPiece ? a.ins : 0);
    if (firstPiece) {
      result.addText(a.text());
    }
    int section = a.end;
    a.forward(a.len - left);
    return section;
  }
}
