/** An error answer of the API ({"error", "detail", "fields"}), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, string> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

/** What the user reads: every error code the app can meet, in words. */
export function describe(err: unknown, what = "this"): string {
  if (!(err instanceof ApiError)) return `Something went wrong: ${String((err as Error)?.message ?? err)}`;
  switch (err.code) {
    case "network":
      return "The service could not be reached. Check your connection and try again.";
    case "invalid_credentials":
      return "Wrong email or password.";
    case "rate_limited": {
      const s = err.retryAfter ?? 60;
      return `Too many attempts. Try again in ${s} second${s === 1 ? "" : "s"}.`;
    }
    case "quota_exceeded":
      return "You already have as many jobs running as allowed. Wait for one to finish.";
    case "last_owner":
      return "A workspace must keep at least one owner: make someone else an owner first.";
    case "already_member":
      return "That person is already a member of this workspace.";
    case "precondition_failed":
      return `Someone else changed ${what} since you opened it. Nothing was saved: reload to see their change, then try again.`;
    case "forbidden":
      return `Your role does not allow you to change ${what}.`;
    case "not_found":
      return err.status === 404 && /user/i.test(err.detail)
        ? "No account with that email exists."
        : `${capitalise(what)} no longer exists, or you no longer have access to it.`;
    case "path_taken":
      return "A file with this path already exists in the workspace.";
    case "too_many_files":
      return "This workspace holds as many files as allowed.";
    case "payload_too_large":
      return "That is larger than the service accepts.";
    case "token_invalid":
    case "token_expired":
      return "Your session has ended. Please sign in again.";
    case "validation_failed": {
      const fields = Object.entries(err.fields);
      if (fields.some(([, why]) => why === "no such user")) return "No account with that email exists.";
      return fields.length ? fields.map(([f, why]) => `${capitalise(f.replace(/_/g, " "))}: ${why}.`).join(" ") : err.detail;
    }
    case "service_unavailable":
    case "upstream_timeout":
      return "The service is busy or partly unavailable. Try again in a moment.";
    default:
      return err.detail || `The request failed (${err.status}).`;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
