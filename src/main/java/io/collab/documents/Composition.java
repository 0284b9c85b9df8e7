package io.collab.documents;

/**
 * The change set that does what {@code first} and then {@code second} do: CodeMirror's {@code composeSets}, step for
 * step, so that the sections come out exactly as a CodeMirror client would compose them.
 */
final class Composition {

  private Composition() {
  }

  /** Requires {@code first.newLength() == second.length()}; the caller checks it. */
  static ChangeSet compose(ChangeSet first, ChangeSet second) {
    SectionBuilder result = new SectionBuilder();
    SectionCursor a = new SectionCursor(first);
    SectionCursor b = new SectionCursor(second);
    // open: the last section written is a replacement that the next piece continues, so it must be joined to it
    boolean open = false;
    while (true) {
      if (a.done() && b.done()) {
        return result.build();
      } else if (a.ins == 0) {
        // a deletion in first: nothing of it reaches second
        result.add(a.len, 0, open);
        a.next();
      } else if (b.len == 0 && !b.done()) {
        // an insertion in second: it consumes nothing of first's output
        result.add(0, b.ins, open);
        result.addText(b.text());
        b.next();
      } else if (a.done() || b.done()) {
        throw new InvalidChangeException("cannot compose change sets of mismatched lengths");
      } else {
        open = overlap(result, a, b, open);
      }
    }
  }

  /** Handles the next stretch where first's output and second's input overlap; returns the new open flag. */
  private static boolean overlap(SectionBuilder result, SectionCursor a, SectionCursor b, boolean open) {
    int len = Math.min(a.len2(), b.len);
    int sizeBefore = result.size();
    if (a.ins == -1) {
      int insB = b.ins == -1 ? -1 : b.off != 0 ? 0 : b.ins;
      result.add(len, insB, open);
      if (insB > 0) {
        result.addText(b.text());
      }
    } else if (b.ins == -1) {
      result.add(a.off != 0 ? 0 : a.len, len, open);
      result.addText(a.textBit(len));
    } else {
      result.add(a.off != 0 ? 0 : a.len, b.off != 0 ? 0 : b.ins, open);
      if (b.off == 0) {
        result.addText(b.text());
      }
    }
    boolean stillOpen = (a.ins > len || b.ins >= 0 && b.len > len) && (open || result.size() > sizeBefore);
    a.forward2(len);
    b.forward(len);
    return stillOpen;
  }
}
