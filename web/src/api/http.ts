import { ApiError } from "./errors";
import { read, type Answer } from "./read";
import { session } from "../auth/session";

export type { Answer };

interface Options {
  ifMatch?: string | null;
  /** false for the account endpoints that take no token */
  auth?: boolean;
}

/**
 * One REST call: JSON in and out, the access token attached. A 401 refreshes the token once and retries; a refused
 * refresh ends the session (the login page says why).
 */
export async function api<T>(method: string, path: string, body?: unknown, options: Options = {}): Promise<Answer<T>> {
  const auth = options.auth ?? true;
  if (auth) await session.ensureFresh();
  let response = await send(method, path, body, options, auth);
  if (response.status === 401 && auth) {
    await session.refresh();
    response = await send(method, path, body, options, auth);
    if (response.status === 401) {
      session.expire("Your session has ended. Please sign in again.");
    }
  }
  return read<T>(response);
}

async function send(method: string, path: string, body: unknown, options: Options, auth: boolean): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch) headers["if-match"] = options.ifMatch;
  if (auth && session.access) headers.authorization = `Bearer ${session.access}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "the service could not be reached");
  }
}

export const get = <T>(path: string) => api<T>("GET", path).then((a) => a.data);
