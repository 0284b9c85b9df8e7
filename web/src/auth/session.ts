import { ApiError } from "../api/errors";
import { read } from "../api/read";

export interface User {
  id: number;
  email: string;
  username: string;
}

interface Tokens {
  access: string;
  refresh: string;
}

const KEY = "collab.session";
const LOCK = "collab.refresh";

/**
 * The signed-in user's tokens. The access token is renewed before it expires (at three quarters of its lifetime);
 * every refresh returns a new refresh token and the old one is dead (presenting it again revokes the whole login),
 * so tabs of one browser share the pair through localStorage and refresh one at a time under a Web Lock, each
 * re-reading the stored pair first.
 */
class Session {
  access: string | null = null;
  private refreshToken: string | null = null;
  user: User | null = null;
  /** the message the login page shows after the session ended by itself */
  flash: string | null = null;
  private timer: number | undefined;
  private inflight: Promise<void> | null = null;
  private accessListeners = new Set<(access: string) => void>();
  private endListeners = new Set<(message: string | null) => void>();

  constructor() {
    this.adopt(load());
    window.addEventListener("storage", (e) => {
      if (e.key !== KEY) return;
      const stored = load();
      if (!stored && this.access) this.end(null);
      else if (stored && stored.access !== this.access) this.adopt(stored);
    });
  }

  get signedIn(): boolean {
    return this.access !== null;
  }

  onAccess(listener: (access: string) => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  onEnd(listener: (message: string | null) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  async login(email: string, password: string): Promise<void> {
    const answer = await post<Tokens>("/api/auth/login/", { email, password });
    this.store(answer);
    await this.loadUser();
  }

  async register(email: string, username: string, password: string): Promise<void> {
    await post<User>("/api/auth/register/", { email, username, password });
    await this.login(email, password);
  }

  async logout(): Promise<void> {
    const refresh = this.refreshToken;
    this.end(null);
    if (refresh) await post("/api/auth/logout/", { refresh }).catch(() => undefined);
  }

  async loadUser(): Promise<User> {
    if (this.user) return this.user;
    await this.ensureFresh();
    const response = await fetch("/api/auth/me/", { headers: { authorization: `Bearer ${this.access}` }, cache: "no-store" })
      .catch(() => { throw new ApiError(0, "network", "the service could not be reached"); });
    if (response.status === 401) {
      await this.refresh();
      return this.loadUser();
    }
    this.user = (await read<User>(response)).data;
    return this.user;
  }

  /** Refreshes now when the access token is (nearly) expired, e.g. after the tab slept through the timer. */
  async ensureFresh(): Promise<void> {
    if (!this.access) throw new ApiError(401, "token_invalid", "not signed in");
    const { exp } = claims(this.access);
    if (exp * 1000 - Date.now() < 5000) await this.refresh();
  }

  /** One refresh at a time per browser; a refused refresh ends the session with a message. */
  refresh(): Promise<void> {
    if (!this.inflight) {
      const run = () => this.rotate();
      const locks = (navigator as Navigator & { locks?: LockManager }).locks;
      this.inflight = (locks ? locks.request(LOCK, run) : run()).finally(() => (this.inflight = null));
    }
    return this.inflight;
  }

  private async rotate(): Promise<void> {
    const stored = load();
    if (stored && stored.refresh !== this.refreshToken) {
      this.adopt(stored); // another tab rotated while we waited for the lock
      return;
    }
    if (!this.refreshToken) throw new ApiError(401, "token_invalid", "not signed in");
    try {
      this.store(await post<Tokens>("/api/auth/refresh/", { refresh: this.refreshToken }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.expire("Your session has ended. Please sign in again.");
      }
      throw err;
    }
  }

  /** The session ended without the user asking: back to the login page, which says why. */
  expire(message: string): void {
    this.end(message);
  }

  private end(message: string | null): void {
    this.flash = message;
    this.access = null;
    this.refreshToken = null;
    this.user = null;
    window.clearTimeout(this.timer);
    localStorage.removeItem(KEY);
    this.endListeners.forEach((l) => l(message));
  }

  private store(tokens: Tokens): void {
    localStorage.setItem(KEY, JSON.stringify({ access: tokens.access, refresh: tokens.refresh }));
    this.adopt(tokens);
  }

  private adopt(tokens: Tokens | null): void {
    window.clearTimeout(this.timer);
    if (!tokens) return;
    const { iat, exp } = claims(tokens.access);
    this.access = tokens.access;
    this.refreshToken = tokens.refresh;
    // The lifetime is measured on the token, the deadline on this clock: a skewed clock moves nothing.
    const lifetimeMs = Math.max(1000, (exp - iat) * 1000);
    const remainingMs = Math.min(lifetimeMs, exp * 1000 - Date.now());
    const delay = Math.max(500, remainingMs - lifetimeMs / 4);
    this.timer = window.setTimeout(() => this.refresh().catch(() => this.retryLater()), delay);
    this.accessListeners.forEach((l) => l(tokens.access));
  }

  /** A refresh that failed for the network, not for the token: try again shortly. */
  private retryLater(): void {
    if (!this.refreshToken) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.refresh().catch(() => this.retryLater()), 3000);
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
  }).catch(() => {
    throw new ApiError(0, "network", "the service could not be reached");
  });
  return (await read<T>(response)).data;
}

function load(): Tokens | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return stored && typeof stored.access === "string" && typeof stored.refresh === "string" ? stored : null;
  } catch {
    return null;
  }
}

export function claims(jwt: string): { iat: number; exp: number; user_id?: number } {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
    return { iat: Number(json.iat ?? 0), exp: Number(json.exp ?? 0), user_id: json.user_id };
  } catch {
    return { iat: 0, exp: 0 };
  }
}

export const session = new Session();
