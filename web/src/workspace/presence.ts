import { h, clear, colourClass, initials } from "../ui/dom";

export interface OnlineUser {
  user_id?: number;
  email: string;
  username: string;
}

/**
 * Who is online in the workspace: starts from `presence_state`, then follows `user_join`/`user_leave` (which carry
 * only the email: the name and colour come from the members list).
 */
export class Presence {
  readonly root = h("ul", { class: "presence", "aria-label": "Online now" });
  private users = new Map<string, OnlineUser>();

  constructor(private readonly me: string, private readonly lookup: (email: string) => OnlineUser | undefined) {}

  reset(users: OnlineUser[]): void {
    this.users = new Map(users.map((u) => [u.email, u]));
    this.draw();
  }

  join(email: string): void {
    if (!this.users.has(email)) this.users.set(email, this.lookup(email) ?? { email, username: email });
    this.draw();
  }

  leave(email: string): void {
    this.users.delete(email);
    this.draw();
  }

  /** The members list arrived or changed: names and colours of users known only by email get filled in. */
  refresh(): void {
    for (const [email, u] of this.users) {
      if (u.user_id === undefined) this.users.set(email, this.lookup(email) ?? u);
    }
    this.draw();
  }

  private draw(): void {
    clear(this.root);
    const sorted = [...this.users.values()].sort((a, b) => (a.email === this.me ? -1 : b.email === this.me ? 1 : a.username.localeCompare(b.username)));
    for (const u of sorted) {
      const you = u.email === this.me;
      this.root.append(h("li", { class: `presence-user ${colourClass(u.user_id)}`, "data-email": u.email, title: `${u.username} (${u.email})${you ? ", you" : ""}` },
        h("span", { class: "avatar", "aria-hidden": "true", text: initials(u.username) }),
        h("span", { class: "presence-name", text: you ? `${u.username} (you)` : u.username })));
    }
  }
}
