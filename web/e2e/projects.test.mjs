import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { A, launch, newPage, user, workspace, login, call, noProblems } from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("projects and workspaces: create, rename, delete", async () => {
  const u = await user(A, "pw");
  const page = await newPage(browser);
  await login(page, A, u);
  await page.getByLabel("Project name").fill("Payments");
  await page.getByLabel("Description").fill("the money path");
  await page.getByRole("button", { name: "Create project" }).click();
  const card = page.getByRole("region", { name: "Project Payments" });
  await card.waitFor();

  await card.getByLabel("Workspace name").fill("api");
  await card.getByRole("button", { name: "Add workspace" }).click();
  await card.getByRole("link", { name: "api" }).waitFor();

  await card.getByRole("button", { name: "Rename workspace api" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("api-v2");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await card.getByRole("link", { name: "api-v2" }).waitFor();

  await page.getByRole("button", { name: "Rename project Payments" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Billing");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  const renamed = page.getByRole("region", { name: "Project Billing" });
  await renamed.waitFor();

  await renamed.getByRole("button", { name: "Delete workspace api-v2" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await renamed.getByText("No workspaces you can open.").waitFor();

  await page.getByRole("button", { name: "Delete project Billing" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await renamed.waitFor({ state: "detached" });
  const left = await call(A, "GET", "/api/projects/projects/", undefined, u.access);
  assert.deepEqual(left.json, []);
  noProblems(page);
  await page.context().close();
});

test("a rename based on a stale read is refused (412) in words, and nothing is overwritten", async () => {
  const u = await user(A, "stale");
  const { project } = await workspace(A, u);
  const page = await newPage(browser);
  await login(page, A, u);
  await page.getByRole("button", { name: `Rename project ${project.name}` }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("Mine");
  // someone else renames it meanwhile
  assert.equal((await call(A, "PATCH", `/api/projects/projects/${project.id}/`, { name: "Theirs" }, u.access)).status, 200);
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();

  await page.getByRole("alert").filter({ hasText: "Someone else changed the project since you opened it" }).waitFor();
  await page.getByRole("region", { name: "Project Theirs" }).waitFor();
  assert.equal((await call(A, "GET", `/api/projects/projects/${project.id}/`, undefined, u.access)).json.name, "Theirs");
  await page.context().close();
});

test("members: owners add by email, change roles and remove; the last owner stays; others see the list read-only", async () => {
  const owner = await user(A, "mown");
  const colleague = await user(A, "mcol");
  const viewer = await user(A, "mview");
  const { workspace: ws } = await workspace(A, owner, [[viewer, "viewer"]]);
  const page = await newPage(browser);
  await login(page, A, owner, `/workspaces/${ws.id}`);
  await page.getByRole("button", { name: "Members" }).click();
  const panel = page.getByRole("region", { name: "Members" });

  await panel.getByLabel("Email").fill(colleague.email);
  await panel.getByLabel("Role", { exact: true }).selectOption("collaborator");
  await panel.getByRole("button", { name: "Add member" }).click();
  const roleOf = panel.getByLabel(`Role of ${colleague.username}`);
  await roleOf.waitFor();
  assert.equal(await roleOf.inputValue(), "collaborator");

  await roleOf.selectOption("viewer");
  await waitForRole(owner, ws.id, colleague.id, "viewer");

  await panel.getByLabel("Email").fill("nobody-here@example.com");
  await panel.getByRole("button", { name: "Add member" }).click();
  await panel.getByRole("alert").filter({ hasText: "No account with that email exists." }).waitFor();

  await panel.getByLabel(`Role of ${owner.username}`).selectOption("viewer");
  await panel.getByRole("alert").filter({ hasText: "A workspace must keep at least one owner" }).waitFor();
  assert.equal(await panel.getByLabel(`Role of ${owner.username}`).inputValue(), "owner", "the refused change is not shown as applied");

  await panel.getByRole("button", { name: `Remove ${colleague.username}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await panel.getByRole("button", { name: `Remove ${colleague.username}` }).waitFor({ state: "detached" });
  const members = await call(A, "GET", `/api/projects/workspaces/${ws.id}/members/`, undefined, owner.access);
  assert.deepEqual(members.json.map((m) => m.user_id).sort(), [owner.id, viewer.id].sort());

  const other = await newPage(browser);
  await login(other, A, viewer, `/workspaces/${ws.id}`);
  await other.getByRole("button", { name: "Members" }).click();
  const readOnly = other.getByRole("region", { name: "Members" });
  await readOnly.getByText(owner.username, { exact: true }).waitFor();
  assert.equal(await readOnly.locator("select:visible").count(), 0);
  assert.equal(await readOnly.getByRole("button", { name: /Remove|Add member/ }).count(), 0);
  noProblems(page, other);
  await page.context().close();
  await other.context().close();
});

async function waitForRole(owner, wsId, userId, role) {
  for (let i = 0; i < 50; i++) {
    const members = await call(A, "GET", `/api/projects/workspaces/${wsId}/members/`, undefined, owner.access);
    if (members.json.find((m) => m.user_id === userId)?.role === role) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`role of ${userId} never became ${role}`);
}
