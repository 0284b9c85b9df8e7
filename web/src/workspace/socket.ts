import { session } from "../auth/session";

export type Status = "connecting" | "online" | "offline" | "closed";
export type Message = { type: string; ref?: string | number; [k: string]: unknown };

export class SocketError extends Error {
  constructor(readonly code: string, readonly detail: string) {
    super(`${code}: ${detail}`);
  }
}

/** Close codes after which reconnecting cannot help (docs/realtime.md, Close codes). */
const FINAL: Record<number, string> = {
  4003: "You were removed from this workspace.",
  4004: "This workspace was deleted.",
};

/** A position in the workspace's sequence: seq counts within an epoch, which changes when Redis loses the sequence. */
type Position = { epoch: string; seq: number };

/**
 * The workspace socket: `{event, payload, ref}` out, typed messages in. Reconnects with backoff, `since` and `epoch`
 * (the position of the last sequenced message received), renews its token with the `auth` event after every
 * refresh, and matches replies to requests by `ref`.
 */
export class WorkspaceSocket {
  status: Status = "connecting";
  statusDetail = "";
  private ws: WebSocket | null = null;
  private last: Position | null = null;
  private attempt = 0;
  private nextRef = 1;
  private pending = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void; timer: number }>();
  private retryTimer: number | undefined;
  private stopped = false;
  private unsubscribe: () => void;

  constructor(
    private readonly workspaceId: number,
    private readonly onMessage: (m: Message) => void,
    private readonly onStatus: (s: Status, detail: string) => void,
  ) {
    this.unsubscribe = session.onAccess((token) => this.send("auth", { token }));
    void this.open();
  }

  get online(): boolean {
    return this.status === "online";
  }

  /** Fire and forget; false when the socket is not open (the caller keeps what it wanted to send). */
  send(event: string, payload: unknown, ref?: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(ref === undefined ? { event, payload } : { event, payload, ref }));
    return true;
  }

  /** Sends with a ref and resolves with the reply carrying it (or rejects with its error). */
  request(event: string, payload: unknown, timeoutMs = 10000): Promise<Message> {
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      if (!this.send(event, payload, ref)) {
        reject(new SocketError("offline", "not connected"));
        return;
      }
      const timer = window.setTimeout(() => {
        this.pending.delete(ref);
        reject(new SocketError("timeout", `no answer to ${event}`));
      }, timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
    });
  }

  /** Drops the current connection as a network failure would: used to test and to recover from a stuck socket. */
  drop(): void {
    this.ws?.close(4500, "client reconnect");
  }

  close(): void {
    this.stopped = true;
    this.unsubscribe();
    window.clearTimeout(this.retryTimer);
    this.ws?.close(1000, "leaving");
    this.setStatus("closed", "");
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    this.setStatus("connecting", this.attempt ? "Reconnecting…" : "Connecting…");
    try {
      await session.ensureFresh();
    } catch {
      if (!session.signedIn) return; // the session ended: the app is on its way to the login page
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = this.last === null ? "" : `&since=${this.last.seq}&epoch=${encodeURIComponent(this.last.epoch)}`;
    // The token in the URL is the one place the API requires it: browsers cannot set headers on a WebSocket.
    const ws = new WebSocket(`${scheme}://${location.host}/ws/workspaces/${this.workspaceId}/?token=${encodeURIComponent(session.access ?? "")}${since}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => (opened = true);
    ws.onmessage = (e) => {
      let m: Message;
      try {
        m = JSON.parse(String(e.data));
      } catch {
        return;
      }
      this.receive(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending();
      if (this.stopped) return;
      const final = FINAL[e.code] ?? (e.code === 4001 && e.reason === "token_invalid" ? "Your account can no longer use this workspace." : null);
      if (final) {
        this.stopped = true;
        this.setStatus("closed", final);
        return;
      }
      if (!opened) {
        // A refused handshake looks like 1006 before open: check the token over REST (refreshing it) before retrying.
        void session.loadUser().catch(() => undefined);
      }
      const base = e.code === 4029 ? 15000 : Math.min(15000, 500 * 2 ** this.attempt);
      this.attempt++;
      const delay = Math.round(base * (0.5 + Math.random() / 2));
      this.setStatus("offline", `Offline, reconnecting in ${Math.max(1, Math.round(delay / 1000))} s`);
      this.retryTimer = window.setTimeout(() => void this.open(), delay);
    };
  }

  private receive(m: Message): void {
    if (m.type === "presence_state") {
      this.attempt = 0;
      this.setStatus("online", "Live");
    }
    // Broadcasts and job progress share the workspace's sequence; an ack's seq may overtake earlier broadcasts.
    // recovery_failed names where the socket goes on from (the app re-fetches state on it): a reconnect resumes there.
    if (m.type !== "ack" && typeof m.seq === "number" && typeof m.epoch === "string") {
      this.last = { epoch: m.epoch, seq: m.seq };
    }
    const ref = m.ref === undefined || m.ref === null ? null : String(m.ref);
    const waiter = ref !== null && m.type !== "ack" ? this.pending.get(ref) : undefined;
    if (waiter) {
      this.pending.delete(ref!);
      window.clearTimeout(waiter.timer);
      if (m.type === "error") waiter.reject(new SocketError(String(m.error), String(m.detail ?? "")));
      else waiter.resolve(m);
      return;
    }
    this.onMessage(m);
  }

  private failPending(): void {
    for (const [, w] of this.pending) {
      window.clearTimeout(w.timer);
      w.reject(new SocketError("offline", "the connection dropped"));
    }
    this.pending.clear();
  }

  private setStatus(status: Status, detail: string): void {
    this.status = status;
    this.statusDetail = detail;
    this.onStatus(status, detail);
  }
}
