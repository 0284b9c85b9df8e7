/** History-API routing: the service answers every app path with index.html, so links and reloads land here. */

export type View = { dispose?: () => void };
type Render = (params: Record<string, string>, query: URLSearchParams) => View | Promise<View>;

interface Route {
  pattern: RegExp;
  keys: string[];
  render: Render;
  public: boolean;
}

const routes: Route[] = [];
let current: View | null = null;
let guard: ((path: string, isPublic: boolean) => string | null) | null = null;
let generation = 0;

export function route(path: string, render: Render, isPublic = false): void {
  const keys: string[] = [];
  const pattern = new RegExp(
    "^" + path.replace(/:(\w+)/g, (_, k) => (keys.push(k), "([^/]+)")) + "/?$",
  );
  routes.push({ pattern, keys, render, public: isPublic });
}

/** Decides before rendering: return another path to go there instead (e.g. the login page). */
export function setGuard(g: (path: string, isPublic: boolean) => string | null): void {
  guard = g;
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  void render();
}

/** The path plus query of the current page, for "go back here after login". */
export function here(): string {
  return location.pathname + location.search;
}

export async function render(): Promise<void> {
  const mine = ++generation;
  const path = location.pathname;
  const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  const redirect = guard?.(path, match?.r.public ?? true);
  if (redirect && redirect !== here()) {
    history.replaceState(null, "", redirect);
    return render();
  }
  current?.dispose?.();
  current = null;
  if (!match) {
    history.replaceState(null, "", "/projects");
    return render();
  }
  const params: Record<string, string> = {};
  match.r.keys.forEach((k, i) => (params[k] = decodeURIComponent(match.m![i + 1])));
  const view = await match.r.render(params, new URLSearchParams(location.search));
  if (mine !== generation) view.dispose?.();
  else current = view;
}

export function start(): void {
  window.addEventListener("popstate", () => void render());
  // same-origin links marked data-link navigate without a page load
  document.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a[data-link]") as HTMLAnchorElement | null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(a.getAttribute("href")!);
  });
  void render();
}

/** Only a path of this site: never an absolute or protocol-relative URL (an open redirect otherwise). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/projects";
}
