import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { A, B, launch, newPage, user, login, call, screenshot, noProblems, waitFor } from "./support.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a wrong password is refused in words, and the form stays usable", async () => {
  const u = await user(A, "wrongpw");
  const page = await newPage(browser);
  await page.goto(`${A}/login`);
  await screenshot(page, "login.png");
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();

  await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/login");
  assert.equal(await page.locator("input[type=email]").inputValue(), u.email);
  noProblems(page);
  await page.context().close();
});

test("rate limiting (429 with Retry-After) is shown as how long to wait", async () => {
  const page = await newPage(browser);
  await page.route("**/api/auth/login/", (route) => route.fulfill({
    status: 429, headers: { "retry-after": "42", "content-type": "application/json" },
    body: JSON.stringify({ error: "rate_limited", detail: "too many requests" }),
  }));
  await page.goto(`${A}/login`);
  await page.getByLabel("Email").fill("someone@example.com");
  await page.getByLabel("Password").fill("whatever123");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Too many attempts. Try again in 42 seconds." }).waitFor();
  await page.context().close();
});

test("registering signs in; a deep link survives the login; logging out returns to the login page", async () => {
  const page = await newPage(browser);
  await page.goto(`${A}/projects`);
  await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/projects");
  await page.getByRole("link", { name: "Create an account" }).click();
  const name = `reg${Date.now() % 1000000}`;
  await page.getByLabel("Email").fill(`${name}@example.com`);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel(/Password/).fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => url.pathname === "/projects");
  await page.getByRole("heading", { name: "Projects" }).waitFor();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL((url) => url.pathname === "/login");
  await page.goto(`${A}/projects`);
  await page.waitForURL((url) => url.pathname === "/login");
  noProblems(page);
  await page.context().close();
});

test("the access token is refreshed silently before it expires, and the socket keeps its session", async () => {
  // instance B issues access tokens that live a few seconds (jwt.accessTtlSeconds)
  const u = await user(B, "refresh");
  const created = await call(B, "POST", "/api/projects/projects/", { name: "Refreshing", description: "" }, u.access);
  const ws = await call(B, "POST", "/api/projects/workspaces/", { project: created.json.id, name: "live" }, u.access);
  const page = await newPage(browser);
  const refreshes = [];
  page.on("response", (r) => { if (r.url().endsWith("/api/auth/refresh/")) refreshes.push(r.status()); });
  const closes = [];
  page.on("websocket", (s) => s.on("close", () => closes.push(Date.now())));
  await login(page, B, u, `/workspaces/${ws.json.id}`);
  await page.locator(".conn[data-state=online]").waitFor();

  const ttl = Number(process.env.COLLAB_E2E_B_ACCESS_TTL ?? 6);
  await page.waitForTimeout(ttl * 2500);

  assert.ok(refreshes.length >= 2, `refreshed ${refreshes.length} times in ${ttl * 2.5} s`);
  assert.ok(refreshes.every((s) => s === 200), `every refresh succeeded: ${refreshes}`);
  assert.deepEqual(closes, [], "the socket was never closed for an expired token: auth renewed it");
  assert.equal(await page.locator(".conn").getAttribute("data-state"), "online");
  // and REST still works with the latest token
  await page.getByRole("link", { name: "Projects", exact: true }).click();
  await page.getByRole("heading", { name: "Refreshing" }).waitFor();
  noProblems(page);
  await page.context().close();
});

test("a refused refresh returns to the login page with a message, and back to the page after logging in", async () => {
  const u = await user(B, "refused");
  const page = await newPage(browser);
  await login(page, B, u, "/projects");
  await page.route("**/api/auth/refresh/", (route) => route.fulfill({
    status: 401, headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: "token_invalid", detail: "the refresh token was revoked" }),
  }));
  await waitFor("the login page", async () => new URL(page.url()).pathname === "/login", 20000);
  await page.getByRole("alert").filter({ hasText: "Your session has ended. Please sign in again." }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get("next"), "/projects");
  await page.unroute("**/api/auth/refresh/");
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname === "/projects");
  await page.context().close();
});
