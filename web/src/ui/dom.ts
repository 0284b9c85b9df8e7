/** A tiny element builder: enough for this app without a UI framework. */

type Child = Node | string | number | null | undefined | false;
type Props = {
  class?: string;
  text?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
  [attr: string]: unknown;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = String(value);
      else if (key === "text") el.textContent = String(value);
      else if (key === "on") {
        for (const [event, handler] of Object.entries(value as Record<string, EventListener>)) {
          el.addEventListener(event, handler);
        }
      } else if (key in el && typeof value !== "string") {
        (el as unknown as Record<string, unknown>)[key] = value;
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** An alert line for errors: screen readers announce it; empty hides it. */
export function alertLine(): HTMLParagraphElement & { show(message: string | null): void } {
  const p = h("p", { class: "alert", role: "alert", hidden: true }) as HTMLParagraphElement & { show(m: string | null): void };
  p.show = (message) => {
    p.textContent = message ?? "";
    p.hidden = !message;
  };
  return p;
}

let fieldIds = 0;

/** A labelled field: the label names its control by id, so the accessible name is the label's text alone. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLDivElement {
  if (!input.id) input.id = `f${++fieldIds}`;
  return h("div", { class: "field" }, h("label", { class: "field-label", for: input.id }, label), input);
}

/** Disables a form's controls while a request runs, so a double click sends nothing twice. */
export async function busy<T>(form: HTMLElement, work: () => Promise<T>): Promise<T> {
  const controls = Array.from(form.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input, select, textarea"));
  const before = controls.map((c) => c.disabled);
  controls.forEach((c) => (c.disabled = true));
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    controls.forEach((c, i) => (c.disabled = before[i]));
    form.removeAttribute("aria-busy");
  }
}

/** A modal dialog with one text field; resolves with the value, or null when cancelled. */
export function promptDialog(title: string, label: string, value = "", submitText = "Save"): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h("input", { type: "text", value, required: true, maxlength: "255" });
    const dialog = h("dialog", { class: "dialog", "aria-label": title });
    const form = h("form", { method: "dialog" },
      h("h2", { text: title }),
      field(label, input),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", text: "Cancel", on: { click: () => dialog.close("") } }),
        h("button", { type: "submit", class: "primary", text: submitText, value: "ok" })));
    dialog.appendChild(form);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (input.value.trim() === "") return;
      dialog.close("ok");
    });
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? input.value : null);
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    input.select();
  });
}

export function confirmDialog(title: string, message: string, confirmText = "Delete"): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-label": title });
    const form = h("form", { method: "dialog" },
      h("h2", { text: title }),
      h("p", { text: message }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "secondary", text: "Cancel", value: "" }),
        h("button", { type: "submit", class: "danger", text: confirmText, value: "ok" })));
    dialog.appendChild(form);
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Eight colours, picked by user id: the same user has the same colour in presence and in the editor. */
export function colourClass(userId: number | undefined): string {
  return `user-c${((userId ?? 0) % 8 + 8) % 8}`;
}

export function initials(name: string): string {
  return name.replace(/@.*/, "").slice(0, 2).toUpperCase();
}
