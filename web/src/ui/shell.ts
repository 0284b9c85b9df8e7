import { h, clear } from "./dom";
import { session } from "../auth/session";
import { navigate } from "../router";

/** The page frame of signed-in views: a top bar with the app's name, where you are, and the account menu. */
export function shell(crumbs: (Node | string)[], ...extra: Node[]): { main: HTMLElement; bar: HTMLElement } {
  const root = document.getElementById("app")!;
  clear(root);
  const user = session.user;
  const bar = h("div", { class: "bar-extra" }, ...extra);
  const skip = h("a", { class: "skip", href: "#main", text: "Skip to content" });
  const header = h("header", { class: "topbar" },
    h("a", { href: "/projects", "data-link": true, class: "brand", "aria-label": "collab, all projects" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "</>"), "collab"),
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, ...crumbs.flatMap((c, i) => i ? [h("span", { class: "sep", "aria-hidden": "true" }, "/"), c] : [c])),
    bar,
    h("div", { class: "account" },
      h("span", { class: "whoami", title: user?.email ?? "" }, user?.username ?? ""),
      h("button", { type: "button", class: "secondary small", text: "Log out", on: { click: () => void logout() } })));
  const main = h("main", { id: "main", class: "page", tabindex: "-1" });
  root.append(skip, header, main);
  document.title = [...crumbs].reverse().map((c) => (typeof c === "string" ? c : c.textContent)).filter(Boolean).join(" · ") + " — collab";
  return { main, bar };
}

async function logout(): Promise<void> {
  await session.logout();
  navigate("/login", true);
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href, "data-link": true, text });
}
