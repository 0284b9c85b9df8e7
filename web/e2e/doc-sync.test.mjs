// The editor's side of the doc_* protocol (issue 12) against an authority written here, inside the test, that
// rebases a stale push the way the service's io.collab.documents.Authority does (over the accepted updates one at a
// time): the page's socket is routed to it (page.routeWebSocket), the files list too; login, workspace and members
// are the real service's. This covers what a real server rarely does on cue:
// acks that overtake their updates, doc_reload, a burst of edits on both sides while one is offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ChangeSet, Text } from "@codemirror/state";
import { A, launch, newPage, user, workspace, login, waitFor, noProblems } from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const FILE_ID = 77;

/**
 * A push made at an old version, mapped over each update accepted since, one at a time; leading accepted updates
 * with the pushed updates' client IDs are those updates already applied (a re-send after a lost ack).
 */
function rebase(updates, over) {
  let skip = 0;
  const others = [];
  for (const u of over) {
    if (skip < updates.length && updates[skip].clientID === u.clientID) skip++;
    else others.push(u);
  }
  let pending = updates.slice(skip);
  for (const other of others) {
    let changes = other.changes;
    pending = pending.map((p) => {
      const mapped = p.changes.map(changes);
      changes = changes.map(p.changes, true);
      return { clientID: p.clientID, changes: mapped };
    });
  }
  return pending;
}

class Authority {
  constructor(content) {
    this.doc = Text.of(content.split("\n"));
    this.log = [];
    this.sockets = new Set();
    this.forceReload = false; // answer the next doc_pull with doc_reload
    this.delayAcks = false;   // send doc_ack before doc_updates
    this.seq = 0;
  }

  connect(route, who) {
    const socket = { route, who, open: false };
    this.sockets.add(socket);
    route.onMessage((raw) => this.receive(socket, JSON.parse(raw)));
    route.onClose(() => this.sockets.delete(socket));
    route.send(JSON.stringify({ type: "presence_state", users: [...this.sockets].map((s) => s.who) }));
    return socket;
  }

  receive(socket, { event, payload, ref }) {
    const reply = (m) => socket.route.send(JSON.stringify({ ...m, ref }));
    if (event === "doc_open") {
      socket.open = true;
      return reply({ type: "doc_state", file_id: FILE_ID, path: "main.py", version: this.log.length, content: this.doc.toString() });
    }
    if (event === "doc_close") return void (socket.open = false);
    if (event === "doc_pull") {
      if (this.forceReload) {
        this.forceReload = false;
        return reply({ type: "error", error: "doc_reload", detail: "the log no longer reaches back" });
      }
      return reply({ type: "doc_updates", file_id: FILE_ID, version: payload.version, updates: this.wire(this.log.slice(payload.version)) });
    }
    if (event === "doc_push") {
      let updates = payload.updates.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
      updates = rebase(updates, this.log.slice(payload.version));
      const from = this.log.length;
      for (const u of updates) {
        if (u.changes.length !== this.doc.length) return reply({ type: "error", error: "doc_invalid_change", detail: "length" });
        this.doc = u.changes.apply(this.doc);
        this.log.push(u);
      }
      const ack = () => reply({ type: "doc_ack", file_id: FILE_ID, version: this.log.length });
      const fanout = () => {
        if (updates.length === 0) return;
        const m = JSON.stringify({ type: "doc_updates", file_id: FILE_ID, version: from, updates: this.wire(updates) });
        for (const s of this.sockets) if (s.open) s.route.send(m);
      };
      if (this.delayAcks) { ack(); setTimeout(fanout, 300); } else { fanout(); ack(); }
      return;
    }
    // everything else is a broadcast to the workspace
    const m = JSON.stringify({ type: "broadcast", event, payload, user: socket.who.email, seq: ++this.seq });
    for (const s of this.sockets) s.route.send(m);
  }

  wire(updates) {
    return updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() }));
  }

  drop(who) {
    for (const s of this.sockets) if (s.who.email === who.email) { this.sockets.delete(s); s.route.close({ code: 1001, reason: "going_away" }); }
  }
}

async function attach(page, authority, u, state) {
  await page.route(/\/api\/projects\/workspaces\/\d+\/files\/?$/, (route) => route.fulfill({
    json: [{ id: FILE_ID, path: "main.py", size: 0, version: 0, updated_at: "2026-01-01T00:00:00Z", updated_by: null }],
  }));
  await page.routeWebSocket(/\/ws\/workspaces\//, (route) => {
    if (state.offline) return route.close({ code: 1006 });
    authority.connect(route, { user_id: u.id, email: u.email, username: u.username });
  });
}

const text = (page) => page.evaluate(() => window.collab?.text() ?? null);

async function setup(content) {
  const owner = await user(A, "sync");
  const other = await user(A, "sync2");
  const { workspace: ws } = await workspace(A, owner, [[other, "collaborator"]]);
  const authority = new Authority(content);
  const pages = [];
  for (const u of [owner, other]) {
    const page = await newPage(browser);
    const state = { offline: false };
    await attach(page, authority, u, state);
    await login(page, A, u, `/workspaces/${ws.id}/files/${FILE_ID}`);
    await waitFor("the editor", async () => (await text(page)) === content);
    pages.push({ page, u, state });
  }
  return { authority, pages };
}

test("concurrent typing converges on the authority's text, also when acks overtake their updates", async () => {
  const { authority, pages: [a, b] } = await setup("one\ntwo\n");
  authority.delayAcks = true;
  await a.page.locator(".cm-content").click();
  await a.page.keyboard.press("Control+End");
  await b.page.locator(".cm-content").click();
  await b.page.keyboard.press("Control+Home");
  await Promise.all([a.page.keyboard.type("alpha beta gamma\n", { delay: 15 }), b.page.keyboard.type("delta epsilon\n", { delay: 20 })]);
  await waitFor("convergence", async () => {
    const [x, y] = await Promise.all([text(a.page), text(b.page)]);
    return x === y && y === authority.doc.toString() && x.includes("alpha beta gamma\n") && x.includes("delta epsilon\n");
  });
  assert.equal(authority.doc.length, "one\ntwo\n".length + "alpha beta gamma\n".length + "delta epsilon\n".length, "nothing applied twice");
  await a.page.locator(".cm-remote-label", { hasText: b.u.username }).waitFor();
  noProblems(a.page, b.page);
  for (const p of [a, b]) await p.page.context().close();
});

test("edits made offline are kept, pulled over and pushed after reconnecting; doc_reload keeps them too", async () => {
  const { authority, pages: [a, b] } = await setup("x = 1\n");
  b.state.offline = true;
  authority.drop(b.u);
  await b.page.locator(".conn[data-state=offline]").waitFor();
  await b.page.locator(".cm-content").click();
  await b.page.keyboard.press("Control+End");
  await b.page.keyboard.type("offline = True\n", { delay: 10 });
  await a.page.locator(".cm-content").click();
  await a.page.keyboard.press("Control+Home");
  await a.page.keyboard.type("# online\n", { delay: 10 });
  await waitFor("the online edit stored", async () => authority.doc.toString() === "# online\nx = 1\n");

  authority.forceReload = true; // the reconnecting page must reopen and rebase its unsent edit
  b.state.offline = false;
  await b.page.locator(".conn[data-state=online]").waitFor({ timeout: 20000 });
  await waitFor("convergence after reconnect", async () => {
    const [x, y] = await Promise.all([text(a.page), text(b.page)]);
    return x === y && y === authority.doc.toString() && x === "# online\nx = 1\noffline = True\n";
  });
  noProblems(a.page, b.page);
  for (const p of [a, b]) await p.page.context().close();
});

test("two editors typing at the same position converge (insertions at one place are ordered alike everywhere)", async () => {
  const { authority, pages: [a, b] } = await setup("end:");
  for (const p of [a, b]) {
    await p.page.locator(".cm-content").click();
    await p.page.keyboard.press("Control+End");
  }
  await Promise.all([a.page.keyboard.type("AAAAAAAAAA", { delay: 12 }), b.page.keyboard.type("bbbbbbbbbb", { delay: 17 })]);
  await waitFor("convergence", async () => {
    const [x, y] = await Promise.all([text(a.page), text(b.page)]);
    return x === y && y === authority.doc.toString() && x.length === 24;
  });
  const final = authority.doc.toString();
  assert.equal(final.replace(/[^A]/g, ""), "AAAAAAAAAA");
  assert.equal(final.replace(/[^b]/g, ""), "bbbbbbbbbb");
  for (const p of [a, b]) await p.page.context().close();
});
