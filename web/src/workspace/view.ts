import { h, clear, colourClass } from "../ui/dom";
import { shell, link } from "../ui/shell";
import { get } from "../api/http";
import { describe } from "../api/errors";
import { roleIn, type FileEntry, type Member, type Project, type Role, type Workspace } from "../api/types";
import { session } from "../auth/session";
import type { View } from "../router";
import { WorkspaceSocket, type Message, type Status } from "./socket";
import { Presence, type OnlineUser } from "./presence";
import { FileTree } from "./files";
import { membersPanel } from "../projects/members";
import { CollabEditor } from "../editor/editor";
import { runnable } from "../editor/languages";
import { JobsPanel } from "../jobs/panel";

/**
 * One workspace: files on the left, the shared editor in the middle, output below; presence, the connection and
 * the members in the top bar. Everything live comes over one workspace socket.
 */
export async function workspaceView(params: Record<string, string>): Promise<View> {
  const workspaceId = Number(params.id);
  const wantedFile = params.fileId ? Number(params.fileId) : null;
  const me = await session.loadUser();
  let ws: Workspace;
  let project: Project | null;
  try {
    ws = await get<Workspace>(`/api/projects/workspaces/${workspaceId}/`);
    project = await get<Project>(`/api/projects/projects/${ws.project}/`).catch(() => null);
  } catch (err) {
    const { main } = shell([link("/projects", "Projects")]);
    main.append(h("div", { class: "card" }, h("h1", { text: "Workspace unavailable" }), h("p", { role: "alert", text: describe(err, "this workspace") })));
    return {};
  }
  let role: Role = roleIn(ws, me.id, project?.owner) ?? "viewer";
  const canWrite = () => role !== "viewer";

  const indicator = h("div", { class: "conn", role: "status", "data-state": "connecting" }, h("span", { class: "dot", "aria-hidden": "true" }), h("span", { class: "conn-text", text: "Connecting…" }));
  const membersButton = h("button", { type: "button", class: "secondary small", "aria-expanded": "false", "aria-controls": "members-drawer", text: "Members" });
  const presence = new Presence(me.email, (email) => memberByEmail(email));
  const { main } = shell([
    link("/projects", "Projects"),
    h("span", { class: "muted", text: project?.name ?? "" }),
    h("span", { "aria-current": "page", class: "ws-name", text: ws.name }),
  ], presence.root, indicator, membersButton);
  main.classList.add("workspace");

  let members: Member[] = [];
  const memberByEmail = (email: string): OnlineUser | undefined => members.find((m) => m.email === email);
  const panel = membersPanel(workspaceId, () => role === "owner", (list) => {
    members = list;
    presence.refresh();
  });
  const closeMembers = h("button", { type: "button", class: "ghost small drawer-close", text: "Close", "aria-label": "Close members" });
  const drawer = h("aside", { id: "members-drawer", class: "drawer", hidden: true }, closeMembers, panel.root);
  const toggleMembers = (open: boolean) => {
    drawer.hidden = !open;
    membersButton.setAttribute("aria-expanded", String(open));
    if (open) {
      void panel.load();
      closeMembers.focus();
    } else membersButton.focus();
  };
  membersButton.addEventListener("click", () => toggleMembers(drawer.hidden === true));
  closeMembers.addEventListener("click", () => toggleMembers(false));
  drawer.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !document.querySelector("dialog[open]")) toggleMembers(false);
  });

  let editor: CollabEditor | null = null;
  let opening = 0;
  const editorHost = h("div", { class: "editor-host" });
  const notice = h("p", { class: "notice", role: "status", hidden: true });
  const title = h("h2", { class: "file-title", text: "No file open" });
  const roleBadge = h("span", { class: "role" });
  const runButton = h("button", { type: "button", class: "primary small run", text: "Run", hidden: true });
  const jobs = new JobsPanel(workspaceId, (id) => files.byId(id)?.path ?? null);
  const files = new FileTree(workspaceId, canWrite(), {
    open: (f) => void openFile(f.id),
    changed: () => socket.send("files_changed", {}),
    removed: (id) => { if (editor?.fileId === id) closeEditor("This file was deleted."); },
  });
  runButton.addEventListener("click", () => {
    if (editor) void jobs.run(editor.fileId, editor.currentPath);
  });

  const editorPane = h("section", { class: "editor-pane", "aria-label": "Editor" },
    h("div", { class: "editor-head" }, title, roleBadge, runButton), notice, editorHost);
  main.append(files.root, editorPane, jobs.root, drawer);

  function notify(message: string | null): void {
    notice.textContent = message ?? "";
    notice.hidden = !message;
  }

  function applyRole(): void {
    roleBadge.textContent = role === "viewer" ? "read only" : role;
    roleBadge.className = `role role-${role}`;
    files.setWritable(canWrite());
    editor?.setWritable(canWrite());
    runButton.hidden = !canWrite() || !editor || !runnable(editor.currentPath);
    panel.redraw();
  }

  const placeholder = () => h("p", { class: "editor-empty muted" },
    canWrite() ? "Open a file from the list, or create one: everyone here sees the same text as it is typed." : "Open a file from the list to follow it live.");

  function closeEditor(message: string | null): void {
    editor?.destroy();
    editor = null;
    clear(editorHost);
    editorHost.append(placeholder());
    title.textContent = "No file open";
    files.setOpen(null);
    runButton.hidden = true;
    notify(message);
    history.replaceState(null, "", `/workspaces/${workspaceId}`);
  }

  async function openFile(fileId: number): Promise<void> {
    if (editor?.fileId === fileId) return editor.view.focus();
    const mine = ++opening;
    editor?.destroy();
    editor = null;
    clear(editorHost);
    notify(null);
    const f = files.byId(fileId);
    title.textContent = f?.path ?? "Opening…";
    files.setOpen(fileId);
    history.replaceState(null, "", `/workspaces/${workspaceId}/files/${fileId}`);
    if (!socket.online) {
      title.textContent = f?.path ?? "";
      notify("Waiting for the connection to open the file…");
      pendingOpen = fileId;
      return;
    }
    try {
      const opened = await CollabEditor.open(editorHost, socket, fileId, canWrite(), {
        notice: notify,
        renamed: (path) => { title.textContent = path; applyRole(); void files.load(); },
        deleted: () => { closeEditor("This file was deleted."); void files.load(); },
      });
      if (mine !== opening) return opened.destroy();
      editor = opened;
      title.textContent = opened.currentPath;
      cursors.forEach((at, user) => showCursor(user, at));
      applyRole();
    } catch (err) {
      if (mine === opening) {
        const code = (err as { code?: string }).code;
        if (code === "offline") {
          pendingOpen = fileId; // opens when the socket is back
          notify("Waiting for the connection to open the file…");
        } else {
          notify(code === "not_found" ? "This file does not exist (any more)." : `The file could not be opened: ${(err as Error).message}`);
        }
      }
    }
  }

  let pendingOpen: number | null = wantedFile;
  let everOnline = false;
  const socket = new WorkspaceSocket(workspaceId, onMessage, onStatus);

  function onStatus(status: Status, detail: string): void {
    indicator.dataset.state = status;
    indicator.querySelector(".conn-text")!.textContent = detail || status;
    if (status === "closed" && detail) {
      // removed from the workspace, or it was deleted: nothing typed here could be saved any more
      notify(detail);
      editor?.setWritable(false);
      files.setWritable(false);
      runButton.hidden = true;
    }
    if (status !== "online") return;
    if (everOnline) {
      editor?.resync();
      void files.load();
      void panel.load();
    }
    everOnline = true;
    if (pendingOpen !== null) {
      const id = pendingOpen;
      pendingOpen = null;
      void openFile(id);
    }
  }

  function onMessage(m: Message): void {
    switch (m.type) {
      case "presence_state":
        presence.reset(m.users as OnlineUser[]);
        return;
      case "broadcast":
        return broadcast(m);
      case "job":
        return jobs.message(m);
      case "role_changed":
        role = m.role as Role;
        applyRole();
        return;
      case "recovery_failed":
        void files.load();
        return;
      default:
        if (m.type.startsWith("doc_")) editor?.message(m);
    }
  }

  // Everyone's last cursor, whichever file it is in: a file opened later shows the cursors already in it.
  const cursors = new Map<string, { fileId: number; anchor: number; head: number }>();

  function showCursor(user: string, at: { fileId: number; anchor: number; head: number }): void {
    if (!editor) return;
    if (at.fileId !== editor.fileId) return editor.hideCursor(user);
    const who = memberByEmail(user);
    editor.showCursor(user, who?.username ?? user, colourClass(who?.user_id), at.anchor, at.head);
  }

  function broadcast(m: Message): void {
    const user = String(m.user ?? "");
    const payload = (m.payload ?? {}) as Record<string, unknown>;
    switch (m.event) {
      case "user_join":
        presence.join(user);
        if (!memberByEmail(user)) void panel.load();
        editor?.sendCursor(); // the newcomer learns where we are
        return;
      case "user_leave":
        presence.leave(user);
        cursors.delete(user);
        editor?.hideCursor(user);
        return;
      case "cursor": {
        if (user === me.email) return;
        const at = { fileId: Number(payload.file_id), anchor: Number(payload.anchor) || 0, head: Number(payload.head) || 0 };
        cursors.set(user, at);
        showCursor(user, at);
        return;
      }
      case "files_changed":
        void files.load();
        return;
    }
  }

  applyRole();
  if (wantedFile === null) editorHost.append(placeholder());
  await Promise.all([files.load(), panel.load()]);
  if (pendingOpen === null && wantedFile === null && editor === null && files.files.length > 0 && window.innerWidth > 700) {
    if (socket.online) void openFile(files.files[0].id);
    else pendingOpen = files.files[0].id;
  }

  // exposed for the browser tests and for debugging from the console: the editor's text and the socket
  (window as unknown as { collab?: unknown }).collab = {
    text: () => editor?.text ?? null,
    dropSocket: () => socket.drop(),
  };

  return {
    dispose() {
      editor?.destroy();
      socket.close();
    },
  };
}

export type { FileEntry };
