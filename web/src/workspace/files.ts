import { h, clear, field, alertLine, busy, promptDialog, confirmDialog } from "../ui/dom";
import { api, get } from "../api/http";
import { describe } from "../api/errors";
import type { FileEntry } from "../api/types";

/**
 * The workspace's files (issue 12's REST API): a list to open from and, for writers, create, rename and delete.
 * After each change the other members are told with a `files_changed` broadcast, and their lists reload.
 */
export class FileTree {
  readonly root: HTMLElement;
  private readonly list = h("ul", { class: "file-list", "aria-label": "Files" });
  private readonly error = alertLine();
  private readonly create: HTMLFormElement;
  files: FileEntry[] = [];
  private openId: number | null = null;

  constructor(
    private readonly workspaceId: number,
    private writable: boolean,
    private readonly events: { open(file: FileEntry): void; changed(): void; removed(fileId: number): void },
  ) {
    const path = h("input", { type: "text", required: true, maxlength: "255", placeholder: "main.py", spellcheck: "false", autocapitalize: "off" });
    this.create = h("form", { class: "new-file", "aria-label": "New file" },
      field("New file path", path), h("button", { type: "submit", class: "secondary small", text: "Create" }));
    this.create.addEventListener("submit", async (e) => {
      e.preventDefault();
      this.error.show(null);
      try {
        const { data } = await busy(this.create, () => api<FileEntry>("POST", this.base(), { path: path.value.trim(), content: "" }));
        path.value = "";
        await this.load();
        this.events.changed();
        this.events.open(data);
      } catch (err) {
        this.error.show(describe(err, "the file"));
      }
    });
    this.root = h("nav", { class: "files", "aria-label": "Workspace files" }, h("h2", { text: "Files" }), this.error, this.list, this.create);
    this.setWritable(writable);
  }

  private base(): string {
    return `/api/projects/workspaces/${this.workspaceId}/files/`;
  }

  setWritable(writable: boolean): void {
    this.writable = writable;
    this.create.hidden = !writable;
    this.draw();
  }

  setOpen(fileId: number | null): void {
    this.openId = fileId;
    this.draw();
  }

  byId(id: number | null | undefined): FileEntry | undefined {
    return this.files.find((f) => f.id === id);
  }

  async load(): Promise<FileEntry[]> {
    try {
      this.files = await get<FileEntry[]>(this.base());
      this.draw();
    } catch (err) {
      this.error.show(describe(err, "the workspace"));
    }
    return this.files;
  }

  private draw(): void {
    clear(this.list);
    if (this.files.length === 0) {
      this.list.append(h("li", { class: "empty", text: this.writable ? "No files yet: create one below." : "No files yet." }));
    }
    for (const f of this.files) {
      const slash = f.path.lastIndexOf("/");
      const open = h("a", {
        href: `/workspaces/${this.workspaceId}/files/${f.id}`, class: "file-link",
        "aria-current": f.id === this.openId ? "page" : undefined,
        on: { click: (e: MouseEvent) => { if (e.button === 0 && !e.ctrlKey && !e.metaKey) { e.preventDefault(); this.events.open(f); } } },
      }, slash >= 0 ? h("span", { class: "dir", text: f.path.slice(0, slash + 1) }) : null, f.path.slice(slash + 1));
      this.list.append(h("li", { class: "file-row" }, open, this.writable ? h("span", { class: "row-actions" },
        h("button", { type: "button", class: "icon", "aria-label": `Rename ${f.path}`, title: "Rename", text: "✎", on: { click: () => void this.rename(f) } }),
        h("button", { type: "button", class: "icon danger-text", "aria-label": `Delete ${f.path}`, title: "Delete", text: "✕", on: { click: () => void this.remove(f) } })) : null));
    }
  }

  private async rename(f: FileEntry): Promise<void> {
    const path = await promptDialog("Rename file", "Path", f.path, "Rename");
    if (path === null || path === f.path) return;
    this.error.show(null);
    try {
      await api("PATCH", `${this.base()}${f.id}/`, { path });
      this.events.changed();
    } catch (err) {
      this.error.show(describe(err, "the file"));
    }
    await this.load();
  }

  private async remove(f: FileEntry): Promise<void> {
    if (!(await confirmDialog("Delete file?", `${f.path} is deleted for everyone in this workspace.`))) return;
    this.error.show(null);
    try {
      await api("DELETE", `${this.base()}${f.id}/`);
      this.events.changed();
      this.events.removed(f.id);
    } catch (err) {
      this.error.show(describe(err, "the file"));
    }
    await this.load();
  }
}
