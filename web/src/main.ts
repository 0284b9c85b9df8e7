import "./ui/style.css";
import { route, setGuard, start, navigate, here, safeNext } from "./router";
import { session } from "./auth/session";
import { loginView, registerView } from "./auth/views";
import { projectsView } from "./projects/view";

route("/login", (_, q) => loginView(q), true);
route("/register", (_, q) => registerView(q), true);
route("/projects", () => projectsView());
// The editor (CodeMirror and its languages) loads only when a workspace opens: the login page stays small.
route("/workspaces/:id", async (p) => (await import("./workspace/view")).workspaceView(p));
route("/workspaces/:id/files/:fileId", async (p) => (await import("./workspace/view")).workspaceView(p));

setGuard((path, isPublic) => {
  if (path === "/") return session.signedIn ? "/projects" : "/login";
  if (!isPublic && !session.signedIn) return `/login?next=${encodeURIComponent(here())}`;
  if (isPublic && session.signedIn && (path === "/login" || path === "/register")) {
    return safeNext(new URLSearchParams(location.search).get("next"));
  }
  return null;
});

// A refused refresh (or a logout in another tab) ends the session: back to the login page, then back here.
session.onEnd((message) => {
  if (location.pathname === "/login") return;
  const next = message ? `?next=${encodeURIComponent(here())}` : "";
  navigate(`/login${next}`, true);
});

start();
