import type { ConnexeaseCredentials, ConnexeaseSettings } from "./config";
import { loginResponseSchema } from "./schema";

/** A call that hangs holds a send slot; past this it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 15_000;

export type HttpOutcome =
  | { kind: "answer"; status: number; headers: Headers; body: unknown; text: string }
  | { kind: "network"; description: string };

export function apiUrl(settings: Pick<ConnexeaseSettings, "apiBaseUrl">, path: string): string {
  return `${settings.apiBaseUrl.replace(/\/+$/, "")}${path}`;
}

/** POSTs `payload` as JSON. Never throws; the body is parsed as JSON when it is JSON. */
export async function postJson(url: string, payload: unknown, authorization?: string): Promise<HttpOutcome> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (authorization) headers.authorization = authorization;
  try {
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    return { kind: "answer", status: res.status, headers: res.headers, body: parseJson(text), text };
  } catch (err) {
    return { kind: "network", description: `network error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` };
  }
}

export type LoginOutcome =
  | { ok: true; token: string }
  | { ok: false; retryable: boolean; retryAfterS?: number; credentialsRejected?: boolean; reason: string };

/** POST {apiBaseUrl}{loginPath} {"username","password"} → a JWT valid 24 h. */
export async function login(creds: Pick<ConnexeaseCredentials, "username" | "password">, settings: ConnexeaseSettings, now: number): Promise<LoginOutcome> {
  const res = await postJson(apiUrl(settings, settings.loginPath), { username: creds.username, password: creds.password });
  if (res.kind === "network") return { ok: false, retryable: true, reason: `login: ${res.description}` };
  if (res.status === 400 || res.status === 401) {
    return { ok: false, retryable: false, credentialsRejected: true, reason: `Connexease refused the username or password (${res.status} ${describeError(res)})` };
  }
  const common = commonFailure(res, now, "login");
  if (common) return { ok: false, ...common };
  if (res.status < 200 || res.status >= 300) return { ok: false, retryable: false, reason: `login: HTTP ${res.status} ${describeError(res)}` };
  const parsed = loginResponseSchema.safeParse(res.body);
  if (!parsed.success) return { ok: false, retryable: false, reason: `login: HTTP ${res.status} without a token` };
  if (parsed.data.otp === true) {
    return { ok: false, retryable: false, credentialsRejected: true, reason: "Connexease asks this user for a one-time password; use an API user without OTP" };
  }
  return { ok: true, token: parsed.data.token };
}

/** 429 and 5xx: retryable, whatever the call. */
export function commonFailure(res: Extract<HttpOutcome, { kind: "answer" }>, now: number, what: string) {
  if (res.status === 429) {
    const retryAfterS = retryAfterOf(res, now);
    return { retryable: true, ...(retryAfterS === undefined ? {} : { retryAfterS }), reason: `${what}: rate limited (429 ${describeError(res)})` };
  }
  if (res.status >= 500) return { retryable: true, reason: `${what}: HTTP ${res.status} ${describeError(res)}` };
  return null;
}

/** Retry-After in seconds or as an HTTP date; else Django REST framework's "Expected available in N seconds." */
export function retryAfterOf(res: Extract<HttpOutcome, { kind: "answer" }>, now: number): number | undefined {
  const header = res.headers.get("retry-after")?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const m = /available in (\d+) seconds?/i.exec(describeError(res));
  return m ? Number(m[1]) : undefined;
}

/**
 * A short reason from an error answer. Connexease answers like Django REST framework:
 * {"detail": "…"}, {"non_field_errors": ["…"]} or {"field": ["…"]}.
 */
export function describeError(res: Extract<HttpOutcome, { kind: "answer" }>): string {
  const body = res.body;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (typeof b.detail === "string") return b.detail;
    const parts = Object.entries(b).flatMap(([key, value]) => {
      const messages = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
      return messages.length === 0 ? [] : [key === "non_field_errors" ? messages.join(" ") : `${key}: ${messages.join(" ")}`];
    });
    if (parts.length > 0) return parts.join("; ");
  }
  const text = res.text.replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || "(empty body)";
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
