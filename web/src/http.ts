// One JSON call to the hub's API, same origin, and the one failure it raises. Free of the DOM (only
// fetch), so pure modules that use it can be tested in workerd.

export type Session = { token: string; expiresAt: number; user: { id: string; email: string; displayName?: string; role?: string } };
export type Queue = { id: string; name: string };

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For validation_failed: one entry per field, `path` dotted as in the request body. */
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The messages the API gave per field path ("routing.ringTimeSeconds"), for showing at the field. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as { path?: unknown; message?: unknown }[]) {
        if (typeof d?.path === "string" && typeof d.message === "string") out[d.path] ??= d.message;
      }
    }
    return out;
  }
}

/** Any JSON call to the API, same origin; a failure is an ApiFailure with the API's error code. */
export async function request<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.body) headers.set("Content-Type", "application/json");
  const res = await fetch(path, { ...init, headers });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiFailure(res.status, err?.code ?? "http_error", err?.message ?? `${res.status} ${res.statusText}`, err?.details);
  }
  return body as T;
}
