import { h, clear, field, alertLine, busy, promptDialog, confirmDialog } from "../ui/dom";
import { shell } from "../ui/shell";
import { api, get } from "../api/http";
import { describe } from "../api/errors";
import { roleIn, type Project, type Workspace } from "../api/types";
import { session } from "../auth/session";
import type { View } from "../router";

/** Projects with their workspaces: create, rename, delete, each as one request whose answer redraws the list. */
export async function projectsView(): Promise<View> {
  const me = await session.loadUser();
  const { main } = shell([h("span", { "aria-current": "page" }, "Projects")]);
  const error = alertLine();
  const list = h("div", { class: "project-list", "aria-live": "polite" });

  const name = h("input", { type: "text", name: "name", required: true, maxlength: "255", placeholder: "e.g. Payments service" });
  const description = h("input", { type: "text", name: "description", maxlength: "10000", placeholder: "optional" });
  const create = h("form", { class: "inline-form card", "aria-label": "New project" },
    field("Project name", name), field("Description", description),
    h("button", { type: "submit", class: "primary", text: "Create project" }));
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.show(null);
    try {
      await busy(create, () => api("POST", "/api/projects/projects/", { name: name.value, description: description.value }));
      create.reset();
      await refresh();
    } catch (err) {
      error.show(describe(err, "the project"));
    }
  });

  main.append(h("div", { class: "page-head" }, h("h1", { text: "Projects" })), error, create, list);

  async function refresh(): Promise<void> {
    try {
      const [projects, workspaces] = await Promise.all([
        get<Project[]>("/api/projects/projects/?limit=1000"),
        get<Workspace[]>("/api/projects/workspaces/?limit=1000"),
      ]);
      draw(projects, workspaces);
    } catch (err) {
      error.show(describe(err, "the projects"));
    }
  }

  function draw(projects: Project[], workspaces: Workspace[]): void {
    clear(list);
    if (projects.length === 0) {
      list.append(h("p", { class: "empty", text: "No projects yet. Create one above, or ask a colleague to add you to a workspace." }));
    }
    for (const project of projects) {
      const owns = project.owner === me.id;
      const mine = workspaces.filter((w) => w.project === project.id);
      list.append(projectCard(project, owns, mine));
    }
  }

  function projectCard(project: Project, owns: boolean, workspaces: Workspace[]): HTMLElement {
    const wsList = h("ul", { class: "ws-list" });
    for (const ws of workspaces) {
      const role = roleIn(ws, me.id, project.owner);
      wsList.append(h("li", { class: "ws-row" },
        h("a", { href: `/workspaces/${ws.id}`, "data-link": true, class: "ws-link" }, ws.name),
        h("span", { class: `role role-${role}`, text: role ?? "" }),
        role === "owner" ? h("span", { class: "row-actions" },
          h("button", { type: "button", class: "ghost small", text: "Rename", "aria-label": `Rename workspace ${ws.name}`,
            on: { click: () => void rename("workspace", `/api/projects/workspaces/${ws.id}/`) } }),
          h("button", { type: "button", class: "ghost small danger-text", text: "Delete", "aria-label": `Delete workspace ${ws.name}`,
            on: { click: () => void remove("workspace", ws.name, `/api/projects/workspaces/${ws.id}/`) } })) : null));
    }
    if (workspaces.length === 0) wsList.append(h("li", { class: "empty", text: "No workspaces you can open." }));

    let newWs: HTMLElement | null = null;
    if (owns) {
      const wsName = h("input", { type: "text", required: true, maxlength: "255", placeholder: "e.g. backend" });
      const form = h("form", { class: "inline-form", "aria-label": `New workspace in ${project.name}` },
        field("Workspace name", wsName), h("button", { type: "submit", class: "secondary", text: "Add workspace" }));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        error.show(null);
        try {
          await busy(form, () => api("POST", "/api/projects/workspaces/", { project: project.id, name: wsName.value }));
          await refresh();
        } catch (err) {
          error.show(describe(err, "the workspace"));
        }
      });
      newWs = form;
    }

    return h("section", { class: "card project", "aria-label": `Project ${project.name}` },
      h("div", { class: "project-head" },
        h("div", null, h("h2", { text: project.name }), project.description ? h("p", { class: "muted", text: project.description }) : null),
        owns ? h("div", { class: "row-actions" },
          h("button", { type: "button", class: "ghost small", text: "Rename", "aria-label": `Rename project ${project.name}`,
            on: { click: () => void rename("project", `/api/projects/projects/${project.id}/`) } }),
          h("button", { type: "button", class: "ghost small danger-text", text: "Delete", "aria-label": `Delete project ${project.name}`,
            on: { click: () => void remove("project", project.name, `/api/projects/projects/${project.id}/`) } }))
          : h("span", { class: "muted small", text: "shared with you" })),
      wsList, newWs);
  }

  /** Reads the current name and its ETag, then saves with If-Match: a concurrent rename is refused (412), not lost. */
  async function rename(kind: "project" | "workspace", url: string): Promise<void> {
    error.show(null);
    try {
      const current = await api<{ name: string }>("GET", url);
      const next = await promptDialog(`Rename ${kind}`, "Name", current.data.name);
      if (next === null || next === current.data.name) return;
      await api("PATCH", url, { name: next }, { ifMatch: current.etag });
    } catch (err) {
      error.show(describe(err, `the ${kind}`));
    }
    await refresh();
  }

  async function remove(kind: "project" | "workspace", label: string, url: string): Promise<void> {
    error.show(null);
    const what = kind === "project" ? `the project “${label}” with all its workspaces and files` : `the workspace “${label}” and its files`;
    if (!(await confirmDialog(`Delete ${kind}?`, `This deletes ${what}. It cannot be undone.`))) return;
    try {
      await api("DELETE", url);
    } catch (err) {
      error.show(describe(err, `the ${kind}`));
    }
    await refresh();
  }

  await refresh();
  name.focus();
  return {};
}
