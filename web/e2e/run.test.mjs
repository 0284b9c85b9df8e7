import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { A, B, launch, newPage, user, workspace, file, login, docsReady, waitFor, screenshot, noProblems } from "./support.mjs";

let browser;
let ready = false;
before(async () => { browser = await launch(); ready = await docsReady(browser, A); });
after(async () => { await browser?.close(); });

const HELPER = "def shout(text):\n    return text.upper() + '!'\n";
const MAIN = [
  "import sys, time",
  "from helper import shout",
  "",
  "for i in range(3):",
  "    print(shout(f'step {i}'), flush=True)",
  "    time.sleep(0.5)",
  "print('done, with a warning', file=sys.stderr)",
  "",
].join("\n");

test("Run on a file that imports a sibling streams its output live, then shows status, exit code and duration", async (t) => {
  if (!ready) return t.skip("needs issue 12: the doc_* protocol (Run runs the open file)");
  const owner = await user(A, "runner");
  const colleague = await user(A, "watcher");
  const { workspace: ws } = await workspace(A, owner, [[colleague, "collaborator"]]);
  await file(A, owner, ws.id, "helper.py", HELPER);
  const main = await file(A, owner, ws.id, "main.py", MAIN);
  const page = await newPage(browser);
  const other = await newPage(browser);
  await login(page, A, owner, `/workspaces/${ws.id}/files/${main.id}`);
  await login(other, B, colleague, `/workspaces/${ws.id}`);
  await page.locator(".conn[data-state=online]").waitFor();
  await other.locator(".conn[data-state=online]").waitFor();

  await page.getByRole("button", { name: "Run" }).click();
  const output = page.getByRole("log", { name: "Program output" });
  await output.getByText("STEP 0!").waitFor({ timeout: 30000 });
  assert.notEqual(await page.locator(".run-head .status").getAttribute("data-status"), "succeeded", "output arrived while running");
  await page.locator(".run-head .status[data-status=succeeded]").waitFor({ timeout: 30000 });
  assert.match(await output.textContent(), /STEP 0!\s*STEP 1!\s*STEP 2!/);
  await output.locator(".stderr", { hasText: "done, with a warning" }).waitFor();
  await page.locator(".run-head .exit-code", { hasText: "exit code 0" }).waitFor();
  await page.locator(".run-head .duration").waitFor();
  await screenshot(page, "run.png");

  // the colleague saw the run too
  const theirs = other.getByRole("log", { name: "Program output" });
  await theirs.getByText("STEP 2!").waitFor();
  await other.locator(".run-head .status[data-status=succeeded]").waitFor();
  await other.getByText("started by someone else").waitFor();
  noProblems(page, other);
  await page.context().close();
  await other.context().close();
});

test("Cancel stops a running file", async (t) => {
  if (!ready) return t.skip("needs issue 12: the doc_* protocol (Run runs the open file)");
  const owner = await user(A, "canceller");
  const { workspace: ws } = await workspace(A, owner);
  const slow = await file(A, owner, ws.id, "slow.py", "import time\nprint('started', flush=True)\ntime.sleep(20)\n");
  const page = await newPage(browser);
  await login(page, A, owner, `/workspaces/${ws.id}/files/${slow.id}`);
  await page.locator(".conn[data-state=online]").waitFor();
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByRole("log", { name: "Program output" }).getByText("started").waitFor({ timeout: 30000 });
  await page.locator(".run-head").getByRole("button", { name: "Cancel" }).click();
  await waitFor("the run to end cancelled", async () =>
    (await page.locator(".run-head .status").getAttribute("data-status")) === "cancelled", 20000);
  await page.context().close();
});
