package io.collab.documents;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accumulates the sections of a new {@link ChangeSet}, merging neighbours exactly as CodeMirror's
 * {@code addSection} and {@code addInsert} do. The merging rules decide the shape of every composed or mapped change
 * set, and so what {@code toJSON} sends to the clients; they must not be "improved".
 */
final class SectionBuilder {

  private int[] sections = new int[16];
  private int size;
  private final List<String> inserted = new ArrayList<>();

  /**
   * Appends a section of {@code len} input units replaced by {@code ins} units ({@code -1}: kept). Joins it to the
   * previous one when both keep, both delete, or both start at the same position, or when {@code forceJoin} says the
   * previous one is still open (composition does that while one replacement spans several pieces).
   */
  void add(int len, int ins, boolean forceJoin) {
    if (len == 0 && ins <= 0) {
      return;
    }
    int last = size - 2;
    if (last >= 0 && ins <= 0 && ins == sections[last + 1]) {
      sections[last] += len;
    } else if (last >= 0 && len == 0 && sections[last] == 0) {
      sections[last + 1] += ins;
    } else if (forceJoin) {
      sections[last] += len;
      sections[last + 1] += ins;
    } else {
      push(len, ins);
    }
  }

  void add(int len, int ins) {
    add(len, ins, false);
  }

  /** Attaches replacement text to the last section, appending when that section already has some. */
  void addText(String text) {
    if (text.isEmpty()) {
      return;
    }
    int index = (size - 2) >> 1;
    if (index < inserted.size()) {
      int lastText = inserted.size() - 1;
      inserted.set(lastText, inserted.get(lastText) + text);
    } else {
      while (inserted.size() < index) {
        inserted.add("");
      }
      inserted.add(text);
    }
  }

  /** The number of values written so far, two per section: tells composition whether a piece added a section. */
  int size() {
    return size;
  }

  ChangeSet build() {
    String[] texts = new String[size / 2];
    Arrays.fill(texts, "");
    for (int i = 0; i < inserted.size(); i++) {
      texts[i] = inserted.get(i);
    }
    return new ChangeSet(Arrays.copyOf(sections, size), texts);
  }

  private void push(int len, int ins) {
    if (size + 2 > sections.length) {
      sections = Arrays.copyOf(sections, sections.length * 2);
    }
    sections[size++] = len;
    sections[size++] = ins;
  }
}
