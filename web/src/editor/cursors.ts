import { StateEffect, StateField, type Extension, type Range } from "@codemirror/state";
import { Decoration, EditorView, WidgetType, type DecorationSet } from "@codemirror/view";

export interface RemoteCursor {
  key: string;
  name: string;
  colour: string;
  anchor: number;
  head: number;
}

export const setCursor = StateEffect.define<RemoteCursor>();
export const removeCursor = StateEffect.define<string>();

class Caret extends WidgetType {
  constructor(readonly name: string, readonly colour: string) {
    super();
  }
  eq(other: Caret): boolean {
    return other.name === this.name && other.colour === this.colour;
  }
  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = `cm-remote-caret ${this.colour}`;
    caret.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "cm-remote-label";
    label.textContent = this.name;
    caret.appendChild(label);
    return caret;
  }
  ignoreEvent(): boolean {
    return true;
  }
}

/**
 * The other users' cursors and selections in this file, labelled with their names. Positions arrive in `cursor`
 * broadcasts and are mapped through every later change here, so they stay put while text moves around them.
 */
const cursorField = StateField.define<Map<string, RemoteCursor>>({
  create: () => new Map(),
  update(cursors, tr) {
    let next = cursors;
    if (tr.docChanged) {
      next = new Map();
      for (const [k, c] of cursors) {
        next.set(k, { ...c, anchor: tr.changes.mapPos(c.anchor, 1), head: tr.changes.mapPos(c.head, 1) });
      }
    }
    for (const e of tr.effects) {
      if (e.is(setCursor)) {
        if (next === cursors) next = new Map(cursors);
        const len = tr.newDoc.length;
        next.set(e.value.key, { ...e.value, anchor: Math.min(e.value.anchor, len), head: Math.min(e.value.head, len) });
      } else if (e.is(removeCursor) && next.has(e.value)) {
        if (next === cursors) next = new Map(cursors);
        next.delete(e.value);
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field, (cursors) => decorations(cursors)),
});

function decorations(cursors: Map<string, RemoteCursor>): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  for (const c of cursors.values()) {
    const from = Math.min(c.anchor, c.head);
    const to = Math.max(c.anchor, c.head);
    if (from < to) ranges.push(Decoration.mark({ class: `cm-remote-selection ${c.colour}` }).range(from, to));
    ranges.push(Decoration.widget({ widget: new Caret(c.name, c.colour), side: 1 }).range(c.head));
  }
  return Decoration.set(ranges, true);
}

export function remoteCursors(): Extension {
  return cursorField;
}
