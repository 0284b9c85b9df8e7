// Shared helpers of the browser tests: real Chromium (Debian's), real instances started by WebAppBrowserTest.
import { chromium } from "playwright-core";
import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";

/** Instance A (default settings) and instance B (short access-token lifetime); one PostgreSQL, Redis and secret. */
export const A = process.env.COLLAB_E2E_A ?? "http://127.0.0.1:8000";
export const B = process.env.COLLAB_E2E_B ?? A;
export const IMAGES = process.env.COLLAB_E2E_IMAGES ?? "";
const CHROMIUM = process.env.COLLAB_E2E_CHROMIUM ?? "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page in a context of its own (its own storage: another user, or the same one in another browser). */
export async function newPage(browser, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`csp: ${m.text()}`);
  });
  return page;
}

let counter = 0;

export async function call(base, method, url, body, access) {
  const headers = { "content-type": "application/json" };
  if (access) headers.authorization = `Bearer ${access}`;
  const res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** Registers and logs in a user over REST. */
export async function user(base, name) {
  // short enough to read in screenshots; random, because each test file runs in a process of its own
  const n = `${name}.${Math.random().toString(36).slice(2, 6)}${counter++}`;
  const email = `${n}@example.com`;
  const password = "correct horse battery";
  const reg = await call(base, "POST", "/api/auth/register/", { email, username: n, password });
  assert.equal(reg.status, 201, JSON.stringify(reg.json));
  const login = await call(base, "POST", "/api/auth/login/", { email, password });
  return { id: reg.json.id, email, username: n, password, access: login.json.access };
}

/** A project and workspace owned by `owner`, with the others added in their roles. */
export async function workspace(base, owner, members = []) {
  const project = await call(base, "POST", "/api/projects/projects/", { name: `P ${owner.username}`, description: "" }, owner.access);
  const ws = await call(base, "POST", "/api/projects/workspaces/", { project: project.json.id, name: "main" }, owner.access);
  for (const [member, role] of members) {
    const added = await call(base, "POST", `/api/projects/workspaces/${ws.json.id}/members/`, { email: member.email, role }, owner.access);
    assert.equal(added.status, 201, JSON.stringify(added.json));
  }
  return { project: project.json, workspace: ws.json };
}

export async function file(base, owner, workspaceId, filePath, content) {
  const created = await call(base, "POST", `/api/projects/workspaces/${workspaceId}/files/`, { path: filePath, content }, owner.access);
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json;
}

/** Logs in through the login page, landing on `next`. */
export async function login(page, base, u, next = "/projects") {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname === next.split("?")[0]);
}

/** Whether this service has issue 12's workspace files (the editor needs them). */
export async function hasFiles(base) {
  const contract = await call(base, "GET", "/openapi.json");
  return Object.keys(contract.json.paths ?? {}).some((p) => p.includes("/files"));
}

export async function waitFor(what, check, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : ` (last: ${JSON.stringify(last)})`}`);
}

export async function screenshot(page, name) {
  if (!IMAGES) return;
  fs.mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: path.join(IMAGES, name) });
}

export function noProblems(...pages) {
  for (const p of pages) assert.deepEqual(p.problems, [], "no page errors and no Content-Security-Policy violations");
}

/**
 * A TCP proxy in front of an instance: the page talks to the service through it, so a test can cut every connection
 * (the socket drops as on a network failure), refuse new ones for a while, and send the next ones elsewhere.
 */
export async function proxy(targetBase) {
  let target = new URL(targetBase);
  let refusing = false;
  const open = new Set();
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    const drop = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    cut() { for (const s of open) s.destroy(); open.clear(); },
    refuse(on) { refusing = on; },
    retarget(base) { target = new URL(base); },
    close() { this.cut(); server.close(); },
  };
}

/**
 * Whether the service speaks the doc_* editing protocol on its workspace socket (issue 12): a probe opens a file
 * over a real socket from a page of the app's origin.
 */
export async function docsReady(browser, base) {
  if (!(await hasFiles(base))) return false;
  const u = await user(base, "probe");
  const { workspace: ws } = await workspace(base, u);
  const f = await file(base, u, ws.id, "probe.txt", "x");
  const page = await newPage(browser);
  try {
    await page.goto(`${base}/login`);
    return await page.evaluate(({ wsId, fileId, token }) => new Promise((resolve) => {
      const s = new WebSocket(`ws://${location.host}/ws/workspaces/${wsId}/?token=${token}`);
      const timer = setTimeout(() => { s.close(); resolve(false); }, 3000);
      s.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === "presence_state") s.send(JSON.stringify({ event: "doc_open", payload: { file_id: fileId }, ref: "probe" }));
        if (m.ref === "probe" && m.type !== "ack") {
          clearTimeout(timer);
          s.close();
          resolve(m.type === "doc_state");
        }
      };
      s.onclose = () => resolve(false);
    }), { wsId: ws.id, fileId: f.id, token: u.access });
  } finally {
    await page.context().close();
  }
}
