// Two real @codemirror/collab editors on one workspace file, each over collab's raw socket (usually to two different
// instances), typing at the same time. Exits 0 only if, at quiescence, both editors hold the text the REST API
// returns, at the same version; 1 otherwise; 2 on bad arguments. Run by io.collab.realtime.CodeMirrorClientTest.
//
//   node client.mjs --a <ws url> --b <ws url> --rest <http base> --token <access JWT> --workspace <id> --file <id>
//                   [--edits 40] [--seed 1] [--timeout-ms 30000]
import { ChangeSet, EditorState } from "@codemirror/state";
import { collab, getClientID, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import WebSocket from "ws";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
for (const required of ["a", "b", "rest", "token", "workspace", "file"]) {
  if (!args[required]) {
    console.error(`missing --${required}`);
    process.exit(2);
  }
}
const fileId = Number(args.file);
const edits = Number(args.edits ?? 40);
const timeoutMs = Number(args["timeout-ms"] ?? 30000);

// mulberry32: the same seed gives the same edits and pauses
let seed = Number(args.seed ?? 1) >>> 0;
function random() {
  seed = (seed + 0x6D2B79F5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const FATAL = new Set(["bad_message", "forbidden", "not_found", "doc_invalid_change", "doc_too_large", "doc_reload"]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fail = (why) => {
  console.error(`FAIL: ${why}`);
  process.exit(1);
};

/** One editor: a CodeMirror state kept in step with the server by the collab extension. */
class Editor {
  constructor(name, url) {
    this.name = name;
    this.url = url;
    this.state = null;
    this.inFlight = null;   // "sent" until the doc_ack, then its version until our updates are confirmed up to it
    this.received = 0;
    this.refused = 0;
    this.pushes = 0;
  }

  open() {
    return new Promise((resolve, reject) => {
      this.socket = new WebSocket(this.url);
      this.socket.on("error", reject);
      this.socket.on("close", (code, reason) => {
        if (!this.closing) fail(`${this.name}: socket closed ${code} ${reason}`);
      });
      this.socket.on("message", (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.type === "presence_state") {
          this.send("doc_open", { file_id: fileId }, `${this.name}-open`);
        } else if (msg.type === "doc_state") {
          this.state = EditorState.create({
            doc: msg.content,
            extensions: [collab({ startVersion: msg.version, clientID: `${this.name}-${Math.floor(random() * 1e9)}` })],
          });
          resolve();
        } else if (msg.type === "doc_updates" && msg.ref === undefined) {
          this.receive(msg);
        } else if (msg.type === "doc_ack") {
          this.inFlight = msg.version;
          this.pushIfReady();
        } else if (msg.type === "error" && msg.ref === `${this.name}-push` && !FATAL.has(msg.error)) {
          // Overtaken by another editor's update (or the service was busy): once those updates are received the
          // collab extension has mapped ours over them, and the next push sends them at the new version.
          this.inFlight = null;
          this.refused++;
          setTimeout(() => this.pushIfReady(), 5);
        } else if (msg.type === "error") {
          fail(`${this.name}: error ${JSON.stringify(msg)}`);
        }
      });
    });
  }

  /** The server promises every update once, in order, without gaps, one per message: anything else is a failure. */
  receive(msg) {
    const synced = getSyncedVersion(this.state);
    if (msg.version !== synced) {
      fail(`${this.name}: doc_updates at version ${msg.version}, but the editor is at ${synced}`);
    }
    if (msg.updates.length !== 1) {
      fail(`${this.name}: doc_updates with ${msg.updates.length} updates; the server sends one per message`);
    }
    const updates = msg.updates.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
    this.state = this.state.update(receiveUpdates(this.state, updates)).state;
    this.received += updates.length;
    this.pushIfReady();
  }

  /** A random insert, delete or replace at a random place. */
  edit() {
    const length = this.state.doc.length;
    const from = this.clean(Math.floor(random() * (length + 1)));
    const to = this.clean(Math.min(length, from + (random() < 0.4 ? Math.floor(random() * 4) : 0)));
    const alphabet = "abcdefghij \n😀é";
    let insert = "";
    for (let i = Math.floor(random() * 3) + (to === from ? 1 : 0); i > 0; i--) {
      insert += [...alphabet][Math.floor(random() * [...alphabet].length)];
    }
    this.state = this.state.update({ changes: { from, to, insert } }).state;
    this.pushIfReady();
  }

  /** A position that does not split a surrogate pair. */
  clean(at) {
    const doc = this.state.doc;
    if (at <= 0 || at >= doc.length) return at;
    const code = doc.sliceString(at, at + 1).charCodeAt(0);
    return code >= 0xDC00 && code <= 0xDFFF ? at - 1 : at;
  }

  /** One push at a time, and the next only after our own updates came back confirmed (no needless re-sends). */
  pushIfReady() {
    if (this.inFlight === "sent") return;
    if (typeof this.inFlight === "number" && getSyncedVersion(this.state) < this.inFlight) return;
    this.inFlight = null;
    const updates = sendableUpdates(this.state);
    if (!updates.length) return;
    this.inFlight = "sent";
    this.pushes++;
    this.send("doc_push", {
      file_id: fileId,
      version: getSyncedVersion(this.state),
      updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
    }, `${this.name}-push`);
  }

  idle() {
    return this.inFlight !== "sent" && sendableUpdates(this.state).length === 0;
  }

  send(event, payload, ref) {
    this.socket.send(JSON.stringify({ event, payload, ref }));
  }

  close() {
    this.closing = true;
    this.socket.close();
  }
}

async function fileOverRest() {
  const response = await fetch(`${args.rest}/api/projects/workspaces/${args.workspace}/files/${fileId}/`,
    { headers: { authorization: `Bearer ${args.token}` } });
  if (response.status !== 200) fail(`GET file: ${response.status} ${await response.text()}`);
  return response.json();
}

const editors = [new Editor("a", args.a), new Editor("b", args.b)];
setTimeout(() => fail(`no convergence within ${timeoutMs} ms: ${editors.map((e) => `${e.name}@${e.state && getSyncedVersion(e.state)} pending ${e.state && sendableUpdates(e.state).length}`).join(", ")}`), timeoutMs).unref();
await Promise.all(editors.map((e) => e.open()));

// Both type at once, with random pauses in between.
await Promise.all(editors.map(async (editor) => {
  for (let i = 0; i < edits; i++) {
    editor.edit();
    await sleep(Math.floor(random() * 25));
  }
}));

// Quiescence: nothing left to send and both at the same version, which is the file's.
while (true) {
  if (editors.every((e) => e.idle())) {
    const file = await fileOverRest();
    const versions = editors.map((e) => getSyncedVersion(e.state));
    if (versions.every((v) => v === file.version)) {
      for (const editor of editors) {
        if (editor.state.doc.toString() !== file.content) {
          fail(`${editor.name} holds ${JSON.stringify(editor.state.doc.toString())}, REST ${JSON.stringify(file.content)}`);
        }
      }
      console.log(JSON.stringify({ converged: true, version: file.version, length: file.content.length,
        clients: editors.map((e) => getClientID(e.state)), received: editors.map((e) => e.received), pushes: editors.map((e) => e.pushes),
        refused: editors.map((e) => e.refused) }));
      editors.forEach((e) => e.close());
      process.exit(0);
    }
  }
  await sleep(20);
}
