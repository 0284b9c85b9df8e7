import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { A, B, launch, newPage, user, workspace, login, noProblems } from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("presence lists who is online across instances and updates on join and leave", async () => {
  const owner = await user(A, "owner");
  const collab = await user(A, "collab");
  const { workspace: ws } = await workspace(A, owner, [[collab, "collaborator"]]);
  const first = await newPage(browser);
  await login(first, A, owner, `/workspaces/${ws.id}`);
  await first.locator(".conn[data-state=online]").waitFor();
  const online = first.getByRole("list", { name: "Online now" });
  await online.locator(`[data-email="${owner.email}"]`).waitFor();
  assert.equal(await online.locator("li").count(), 1);

  const second = await newPage(browser);
  await login(second, B, collab, `/workspaces/${ws.id}`);
  await online.locator(`[data-email="${collab.email}"]`).filter({ hasText: collab.username }).waitFor();
  await second.getByRole("list", { name: "Online now" }).locator(`[data-email="${owner.email}"]`).waitFor();

  await second.context().close();
  await online.locator(`[data-email="${collab.email}"]`).waitFor({ state: "detached" });
  assert.equal(await online.locator("li").count(), 1);
  noProblems(first);
  await first.context().close();
});
