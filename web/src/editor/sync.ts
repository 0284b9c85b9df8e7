import { ChangeSet, Text } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import { getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { SocketError, type Message, type WorkspaceSocket } from "../workspace/socket";

interface WireUpdate {
  clientID: string;
  changes: unknown;
}

export interface DocState {
  version: number;
  content: string;
  path: string;
}

/** What the sync needs from the editor that owns it. */
export interface SyncHost {
  readonly view: EditorView;
  /** Replaces the editor's document with the server's text at a version (after a doc_reload). */
  reset(state: DocState): void;
  notice(message: string | null): void;
  renamed(path: string): void;
  deleted(): void;
}

/** Shortest gap between two pushes: pushes count against the socket's message rate (20/s), like cursors do. */
const PUSH_INTERVAL_MS = 100;
/**
 * A push or pull dropped for the rate limit gets an error without its ref, so no answer: give up on it soon and
 * send again (the server recognizes re-sent updates by client ID and does not apply them twice).
 */
const REPLY_TIMEOUT_MS = 4000;

/**
 * One open file on the `doc_*` protocol of the workspace socket (issue 12), driving `@codemirror/collab`:
 * pushes the editor's sendable updates one batch at a time (`doc_push` at the synced version, the server rebases),
 * applies `doc_updates` in version order (own updates confirm, others are rebased over the unconfirmed ones), fills a
 * gap with `doc_pull`, and after `doc_reload` reopens the file and re-applies unsent local edits on top of the
 * server's text.
 *
 * It also keeps the document at the synced version (`syncedDoc`), applying every update as the server sent it: that
 * is the base unsent edits are rebased from, and a check that the editor agrees with the server.
 */
export class DocSync {
  private syncedDoc: Text;
  private ackedVersion: number;
  private pushing = false;
  private pulling = false;
  private reloading = false;
  private pushTimer: number | undefined;
  private watchdog: number | undefined;
  private settle: number | undefined;
  private lastPushAt = 0;
  private stash = new Map<number, WireUpdate[]>();
  private closed = false;

  constructor(private readonly socket: WorkspaceSocket, readonly fileId: number, private readonly host: SyncHost, state: DocState) {
    this.syncedDoc = Text.of(state.content.split("\n"));
    this.ackedVersion = state.version;
  }

  get version(): number {
    return getSyncedVersion(this.host.view.state);
  }

  /** Local edits wait in the editor; this only makes sure a push follows. */
  localChange(): void {
    this.schedulePush();
  }

  /** Messages of the socket about this file; true when it was one. */
  message(m: Message): boolean {
    if (m.file_id !== this.fileId) return false;
    if (m.type === "doc_updates") this.receive(Number(m.version), m.updates as WireUpdate[]);
    else if (m.type === "doc_renamed") this.host.renamed(String(m.path));
    else if (m.type === "doc_deleted") this.host.deleted();
    else return false;
    return true;
  }

  /** After a reconnect: reopen (the new socket receives nothing before doc_open), then pull what was missed. */
  async resync(): Promise<void> {
    if (this.closed) return;
    let state: DocState;
    try {
      state = await this.open();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (state.version > this.version) await this.pull(state);
    else if (state.version < this.version || state.content !== this.syncedDoc.toString()) this.rebaseOnto(state, false);
    this.schedulePush();
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.pushTimer);
    window.clearTimeout(this.watchdog);
    window.clearTimeout(this.settle);
    this.socket.send("doc_close", { file_id: this.fileId });
  }

  private receive(version: number, updates: WireUpdate[]): void {
    const synced = this.version;
    if (version > synced) {
      this.stash.set(version, updates); // a gap before these: fetch it, then they follow
      void this.pull();
      return;
    }
    const fresh = updates.slice(synced - version);
    if (fresh.length > 0) {
      let doc = this.syncedDoc;
      const parsed = [];
      for (const u of fresh) {
        const changes = ChangeSet.fromJSON(u.changes);
        if (changes.length !== doc.length) {
          void this.reload(false);
          return;
        }
        doc = changes.apply(doc);
        parsed.push({ clientID: u.clientID, changes });
      }
      this.syncedDoc = doc;
      // One update per transaction: the unsent edits are then mapped over each update in turn, exactly as the
      // server maps a stale push (io.collab.documents); mapping over their composition could order two insertions
      // at one position differently, and the texts would diverge.
      for (const u of parsed) this.host.view.dispatch(receiveUpdates(this.host.view.state, [u]));
      this.check();
      this.settleLater();
    }
    for (const [v, stashed] of [...this.stash].sort((a, b) => a[0] - b[0])) {
      if (v > this.version) break;
      this.stash.delete(v);
      this.receive(v, stashed);
    }
    this.schedulePush();
  }

  /** With nothing unsent, the editor must hold exactly the server's text: if not, start again from the server's. */
  private check(): void {
    const state = this.host.view.state;
    if (sendableUpdates(state).length === 0 && !state.doc.eq(this.syncedDoc)) void this.reload(false);
  }

  private schedulePush(): void {
    if (this.pushTimer !== undefined || this.closed) return;
    const wait = Math.max(0, PUSH_INTERVAL_MS - (Date.now() - this.lastPushAt));
    this.pushTimer = window.setTimeout(() => {
      this.pushTimer = undefined;
      void this.push();
    }, wait);
  }

  private async push(): Promise<void> {
    if (this.closed || this.pushing || this.pulling || this.reloading || !this.socket.online) return;
    if (this.version < this.ackedVersion) {
      // acknowledged, but our own doc_updates have not come back yet: pushing again would send them twice
      this.armWatchdog();
      return;
    }
    const updates = sendableUpdates(this.host.view.state);
    if (updates.length === 0) return;
    this.pushing = true;
    this.lastPushAt = Date.now();
    try {
      const ack = await this.socket.request("doc_push", {
        file_id: this.fileId,
        version: this.version,
        updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
      }, REPLY_TIMEOUT_MS);
      this.ackedVersion = Math.max(this.ackedVersion, Number(ack.version));
      this.host.notice(null);
    } catch (err) {
      this.pushFailed(err);
    } finally {
      this.pushing = false;
    }
    this.schedulePush();
  }

  private pushFailed(err: unknown): void {
    const code = err instanceof SocketError ? err.code : "error";
    if (code === "doc_reload" || code === "doc_invalid_change") void this.reload(false);
    else if (code === "doc_too_large") {
      this.host.notice("That change would make the file larger than the service allows, so it was undone.");
      void this.reload(true);
    } else if (code === "forbidden") this.host.notice("Your role only lets you read this file.");
    else if (code === "not_found") this.host.deleted();
    else if (code !== "offline") {
      // rate_limited, timeout, unavailable: the edits stay unsent and go with the next push
      window.setTimeout(() => this.schedulePush(), 1000);
    }
  }

  /**
   * Document messages are not sequenced: one lost on the way (a Redis hiccup) shows only when the next arrives. A
   * pull once things went quiet catches a lost last update too.
   */
  private settleLater(): void {
    window.clearTimeout(this.settle);
    this.settle = window.setTimeout(() => void this.pull(), 3000);
  }

  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = window.setTimeout(() => {
      this.watchdog = undefined;
      if (this.version < this.ackedVersion) void this.pull();
    }, 2000);
  }

  private async pull(known?: DocState): Promise<void> {
    if (this.pulling || this.closed || !this.socket.online) return;
    this.pulling = true;
    let reply: Message | null = null;
    try {
      reply = await this.socket.request("doc_pull", { file_id: this.fileId, version: this.version }, REPLY_TIMEOUT_MS);
    } catch (err) {
      this.pulling = false;
      if (err instanceof SocketError && err.code === "doc_reload") {
        if (known) this.rebaseOnto(known, false);
        else void this.reload(false);
      } else this.failed(err);
      return;
    }
    this.pulling = false;
    this.receive(Number(reply.version), reply.updates as WireUpdate[]);
  }

  /** Opens the file again and puts the unsent local edits (unless dropped) on top of the server's text. */
  private async reload(dropLocal: boolean): Promise<void> {
    if (this.reloading || this.closed) return;
    this.reloading = true;
    try {
      this.rebaseOnto(await this.open(), dropLocal);
    } catch (err) {
      this.failed(err);
    } finally {
      this.reloading = false;
    }
    this.schedulePush();
  }

  private rebaseOnto(state: DocState, dropLocal: boolean): void {
    const unsent = sendableUpdates(this.host.view.state);
    let local: ChangeSet | null = null;
    if (!dropLocal && unsent.length > 0) {
      local = unsent.map((u) => u.changes).reduce((a, b) => a.compose(b));
      if (local.length !== this.syncedDoc.length) local = null;
    }
    const server = Text.of(state.content.split("\n"));
    const theirs = difference(this.syncedDoc, server);
    this.syncedDoc = server;
    this.ackedVersion = state.version;
    this.stash.clear();
    this.host.reset(state);
    if (local && !local.empty) {
      this.host.view.dispatch({ changes: local.map(theirs), userEvent: "input.rebase" });
    }
  }

  private async open(): Promise<DocState> {
    const m = await this.socket.request("doc_open", { file_id: this.fileId });
    return { version: Number(m.version), content: String(m.content ?? ""), path: String(m.path ?? "") };
  }

  private failed(err: unknown): void {
    if (err instanceof SocketError && err.code === "not_found") this.host.deleted();
    // offline: the socket's reconnect calls resync(); anything else is retried by the next push or pull
  }
}

/** The server's changes since our base, as one replacement between the common prefix and suffix. */
function difference(a: Text, b: Text): ChangeSet {
  const x = a.toString();
  const y = b.toString();
  const max = Math.min(x.length, y.length);
  let start = 0;
  while (start < max && x.charCodeAt(start) === y.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && x.charCodeAt(x.length - 1 - end) === y.charCodeAt(y.length - 1 - end)) end++;
  if (start === x.length && start === y.length) return ChangeSet.empty(x.length);
  return ChangeSet.of([{ from: start, to: x.length - end, insert: y.slice(start, y.length - end) }], x.length);
}
