import { Compartment, EditorSelection, EditorState, Transaction, type Extension } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from "@codemirror/language";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { collab } from "@codemirror/collab";
import { languageFor } from "./languages";
import { remoteCursors, setCursor, removeCursor } from "./cursors";
import { DocSync, type DocState, type SyncHost } from "./sync";
import type { Message, WorkspaceSocket } from "../workspace/socket";

export interface EditorEvents {
  notice(message: string | null): void;
  renamed(path: string): void;
  deleted(): void;
}

const CURSOR_INTERVAL_MS = 150;

/**
 * A CodeMirror 6 editor on one workspace file, kept in step with everyone else's through {@link DocSync}, showing
 * the others' cursors and sending its own as `cursor` broadcasts `{file_id, anchor, head}`.
 */
export class CollabEditor implements SyncHost {
  readonly view: EditorView;
  private readonly sync: DocSync;
  private readonly readOnly = new Compartment();
  private readonly language = new Compartment();
  private cursorTimer: number | undefined;
  private lastCursorAt = 0;
  private path: string;

  private constructor(
    parent: HTMLElement,
    private readonly socket: WorkspaceSocket,
    readonly fileId: number,
    state: DocState,
    private writable: boolean,
    private readonly events: EditorEvents,
  ) {
    this.path = state.path;
    this.view = new EditorView({ parent, state: this.createState(state) });
    this.sync = new DocSync(socket, fileId, this, state);
    this.sendCursor();
  }

  /** Opens the file on the socket (`doc_open`) and shows it. */
  static async open(parent: HTMLElement, socket: WorkspaceSocket, fileId: number, writable: boolean, events: EditorEvents): Promise<CollabEditor> {
    const m = await socket.request("doc_open", { file_id: fileId });
    const state = { version: Number(m.version), content: String(m.content ?? ""), path: String(m.path ?? "") };
    return new CollabEditor(parent, socket, fileId, state, writable, events);
  }

  get currentPath(): string {
    return this.path;
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  message(m: Message): boolean {
    return this.sync.message(m);
  }

  resync(): void {
    void this.sync.resync().then(() => this.sendCursor());
  }

  setWritable(writable: boolean): void {
    this.writable = writable;
    this.view.dispatch({ effects: this.readOnly.reconfigure(this.readOnlyExtension()) });
  }

  showCursor(key: string, name: string, colour: string, anchor: number, head: number): void {
    this.view.dispatch({ effects: setCursor.of({ key, name, colour, anchor, head }) });
  }

  hideCursor(key: string): void {
    this.view.dispatch({ effects: removeCursor.of(key) });
  }

  /** Tells the others where this user's cursor is (now, and at most every 150 ms while it moves). */
  sendCursor(): void {
    if (this.cursorTimer !== undefined) return;
    const wait = Math.max(0, CURSOR_INTERVAL_MS - (Date.now() - this.lastCursorAt));
    this.cursorTimer = window.setTimeout(() => {
      this.cursorTimer = undefined;
      this.lastCursorAt = Date.now();
      const { anchor, head } = this.view.state.selection.main;
      this.socket.send("cursor", { file_id: this.fileId, anchor, head });
    }, wait);
  }

  destroy(): void {
    window.clearTimeout(this.cursorTimer);
    this.sync.close();
    this.view.destroy();
  }

  // SyncHost
  reset(state: DocState): void {
    const head = Math.min(this.view.state.selection.main.head, state.content.length);
    const hadFocus = this.view.hasFocus;
    this.view.setState(this.createState(state, head));
    if (hadFocus) this.view.focus();
  }

  notice(message: string | null): void {
    this.events.notice(message);
  }

  renamed(path: string): void {
    this.path = path;
    this.view.dispatch({ effects: this.language.reconfigure(languageFor(path)) });
    this.events.renamed(path);
  }

  deleted(): void {
    this.events.deleted();
  }

  private createState(state: DocState, head = 0): EditorState {
    return EditorState.create({
      doc: state.content,
      selection: EditorSelection.cursor(head),
      extensions: [
        collab({ startVersion: state.version }),
        this.readOnly.of(this.readOnlyExtension()),
        this.language.of(languageFor(state.path || this.path)),
        baseExtensions,
        remoteCursors(),
        EditorView.contentAttributes.of({ "aria-label": `Contents of ${state.path || this.path}` }),
        EditorView.updateListener.of((update) => {
          const local = update.transactions.some((tr) => tr.annotation(Transaction.userEvent) !== undefined);
          if (update.docChanged && local) this.sync.localChange();
          if (update.selectionSet || (update.docChanged && local)) this.sendCursor();
        }),
      ],
    });
  }

  private readOnlyExtension(): Extension {
    return this.writable ? [] : [EditorState.readOnly.of(true), EditorView.editable.of(false)];
  }
}

/** The page's style nonce (see index.html): the Content-Security-Policy admits CodeMirror's <style> with it. */
const styleNonce = (document.querySelector("meta[property=csp-nonce]") as HTMLMetaElement | null)?.nonce ?? "";

const baseExtensions: Extension = [
  EditorView.cspNonce.of(styleNonce),
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  drawSelection(),
  indentOnInput(),
  bracketMatching(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  EditorState.tabSize.of(4),
  keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
  EditorView.theme({
    "&": { height: "100%" },
    ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.55" },
  }),
];
