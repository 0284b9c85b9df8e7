import { h, clear, field, alertLine, busy } from "../ui/dom";
import { describe } from "../api/errors";
import { session } from "./session";
import { navigate, safeNext, type View } from "../router";

function frame(title: string, form: HTMLFormElement, footer: Node): View {
  const root = document.getElementById("app")!;
  clear(root);
  root.append(h("main", { id: "main", class: "auth-page" },
    h("div", { class: "auth-card" },
      h("div", { class: "brand big" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "</>"), "collab"),
      h("h1", { text: title }),
      form,
      footer)));
  form.querySelector("input")?.focus();
  document.title = `${title} — collab`;
  return {};
}

export function loginView(query: URLSearchParams): View {
  const next = safeNext(query.get("next"));
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, maxlength: "254" });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = alertLine();
  if (session.flash) error.show(session.flash);
  const form = h("form", { class: "stack", novalidate: false },
    error,
    field("Email", email),
    field("Password", password),
    h("button", { type: "submit", class: "primary wide", text: "Log in" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.show(null);
    try {
      await busy(form, () => session.login(email.value.trim(), password.value));
      session.flash = null;
      navigate(next, true);
    } catch (err) {
      error.show(describe(err));
      password.select();
    }
  });
  const footer = h("p", { class: "muted" }, "New here? ",
    h("a", { href: "/register" + (query.get("next") ? `?next=${encodeURIComponent(next)}` : ""), "data-link": true, text: "Create an account" }));
  return frame("Log in", form, footer);
}

export function registerView(query: URLSearchParams): View {
  const next = safeNext(query.get("next"));
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: "254" });
  const username = h("input", { type: "text", name: "username", autocomplete: "nickname", required: true, maxlength: "150",
    pattern: "[A-Za-z0-9@.+_\\-]+", title: "Letters, digits and @ . + - _" });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: "8" });
  const error = alertLine();
  const form = h("form", { class: "stack" },
    error,
    field("Email", email),
    field("Username", username),
    field("Password (at least 8 characters)", password),
    h("button", { type: "submit", class: "primary wide", text: "Create account" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.show(null);
    try {
      await busy(form, () => session.register(email.value.trim(), username.value.trim(), password.value));
      navigate(next, true);
    } catch (err) {
      error.show(describe(err));
    }
  });
  const footer = h("p", { class: "muted" }, "Already have an account? ",
    h("a", { href: "/login" + (query.get("next") ? `?next=${encodeURIComponent(next)}` : ""), "data-link": true, text: "Log in" }));
  return frame("Create your account", form, footer);
}
