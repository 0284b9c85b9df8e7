import { h, clear, field, alertLine, busy, confirmDialog } from "../ui/dom";
import { api, get } from "../api/http";
import { describe } from "../api/errors";
import type { Member, Role } from "../api/types";

const ROLES: Role[] = ["owner", "collaborator", "viewer"];

/**
 * The members of a workspace. Owners add (by email, with a role), change roles and remove; everyone else sees the
 * list read-only. Every change is one request; the list is then read again, so what shows is what the server holds.
 */
export function membersPanel(workspaceId: number, canManage: () => boolean, onChange: (members: Member[]) => void) {
  const base = `/api/projects/workspaces/${workspaceId}/members/`;
  const error = alertLine();
  const table = h("table", { class: "members" });
  const root = h("section", { class: "members-panel", "aria-label": "Members" }, h("h2", { text: "Members" }), error, table);
  let members: Member[] = [];

  const email = h("input", { type: "email", required: true, placeholder: "colleague@example.com", maxlength: "254" });
  const role = h("select", null, ...ROLES.map((r) => h("option", { value: r, text: r, selected: r === "collaborator" })));
  const add = h("form", { class: "inline-form", "aria-label": "Add a member" },
    field("Email", email), field("Role", role), h("button", { type: "submit", class: "primary", text: "Add member" }));
  add.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.show(null);
    try {
      await busy(add, () => api("POST", base, { email: email.value.trim(), role: role.value }));
      email.value = "";
    } catch (err) {
      error.show(describe(err, "the member"));
    }
    await load();
  });
  root.append(add);

  async function load(): Promise<Member[]> {
    try {
      members = await get<Member[]>(base);
      draw();
      onChange(members);
    } catch (err) {
      error.show(describe(err, "the workspace"));
    }
    return members;
  }

  function draw(): void {
    const manage = canManage();
    add.hidden = !manage;
    clear(table);
    table.append(h("thead", null, h("tr", null, h("th", { text: "Name" }), h("th", { text: "Role" }), manage ? h("th", null, h("span", { class: "sr-only", text: "Actions" })) : null)));
    const body = h("tbody");
    for (const m of members) {
      let roleCell: Node = h("span", { class: `role role-${m.role}`, text: m.role });
      if (manage) {
        const select = h("select", { "aria-label": `Role of ${m.username}` },
          ...ROLES.map((r) => h("option", { value: r, text: r, selected: r === m.role })));
        select.addEventListener("change", async () => {
          error.show(null);
          try {
            await busy(table, () => api("PATCH", `${base}${m.user_id}/`, { role: select.value }));
          } catch (err) {
            select.value = m.role; // refused: show the role it still has, not the one asked for
            error.show(describe(err, "this member"));
          }
          await load();
        });
        roleCell = select;
      }
      body.append(h("tr", null,
        h("td", null, h("div", { class: "who" }, h("strong", { text: m.username }), h("span", { class: "muted small", text: m.email }))),
        h("td", null, roleCell),
        manage ? h("td", null, h("button", { type: "button", class: "ghost small danger-text", text: "Remove", "aria-label": `Remove ${m.username}`,
          on: { click: () => void remove(m) } })) : null));
    }
    table.append(body);
  }

  async function remove(m: Member): Promise<void> {
    if (!(await confirmDialog("Remove member?", `${m.username} loses access to this workspace.`, "Remove"))) return;
    error.show(null);
    try {
      await api("DELETE", `${base}${m.user_id}/`);
    } catch (err) {
      error.show(describe(err, "this member"));
    }
    await load();
  }

  return { root, load, redraw: draw, members: () => members };
}
