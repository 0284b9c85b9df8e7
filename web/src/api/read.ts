import { ApiError } from "./errors";

export interface Answer<T> {
  data: T;
  status: number;
  etag: string | null;
}

/** The JSON of an answer, or its error as an ApiError (with Retry-After when the API sent one). */
export async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text().catch(() => "");
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const e = (json ?? {}) as { error?: string; detail?: string; fields?: Record<string, string> };
    const retry = response.headers.get("retry-after");
    throw new ApiError(response.status, e.error ?? `http_${response.status}`, e.detail ?? response.statusText,
      e.fields ?? {}, retry === null ? null : Math.max(1, Math.ceil(Number(retry))));
  }
  return { data: json as T, status: response.status, etag: response.headers.get("etag") };
}

