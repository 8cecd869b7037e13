import type { SinchCredentials, SinchSettings } from "./config";
import { tokenResponseSchema } from "./schema";

/** A request that hangs holds a send slot; past this it counts as a network failure. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** A token is renewed this long before Sinch says it expires, so it never lapses mid-request. */
export const TOKEN_RENEW_MARGIN_MS = 60_000;
/** When Sinch omits expires_in: its tokens last about an hour; keep ours well inside that. */
const DEFAULT_LIFETIME_S = 3000;

type CachedToken = { token: string; renewAt: number };

/**
 * Access tokens per account, in this isolate's memory. A token is plain data, safe to share
 * between requests; a new isolate simply asks for a new one.
 */
const cache = new Map<string, CachedToken>();

export type TokenOutcome =
  | { ok: true; token: string }
  | { ok: false; kind: "rejected" | "retryable" | "failed"; reason: string; retryAfterS?: number };

/** The cache key: a changed key id or token endpoint never reuses an old token. */
function keyOf(accountId: string, creds: Pick<SinchCredentials, "keyId">, settings: Pick<SinchSettings, "authUrl">) {
  return `${accountId}\n${creds.keyId}\n${settings.authUrl}`;
}

/** Forgets the account's token (Sinch refused it). */
export function dropToken(accountId: string, creds: Pick<SinchCredentials, "keyId">, settings: Pick<SinchSettings, "authUrl">) {
  cache.delete(keyOf(accountId, creds, settings));
}

/** For tests: start from an empty cache. */
export function clearTokenCache() {
  cache.clear();
  inFlight.clear();
}

/** Token requests under way, so parallel sends of one account share one request. */
const inFlight = new Map<string, Promise<TokenOutcome>>();

/** The account's cached access token, or a new one from the token endpoint (client-credentials grant). */
export async function accessToken(
  accountId: string,
  creds: Pick<SinchCredentials, "keyId" | "keySecret">,
  settings: Pick<SinchSettings, "authUrl">,
  now: number,
): Promise<TokenOutcome> {
  const key = keyOf(accountId, creds, settings);
  const cached = cache.get(key);
  if (cached && now < cached.renewAt) return { ok: true, token: cached.token };
  cache.delete(key);
  const pending = inFlight.get(key);
  if (pending) return pending;
  const request = requestToken(key, creds, settings, now).finally(() => inFlight.delete(key));
  inFlight.set(key, request);
  return request;
}

async function requestToken(
  key: string,
  creds: Pick<SinchCredentials, "keyId" | "keySecret">,
  settings: Pick<SinchSettings, "authUrl">,
  now: number,
): Promise<TokenOutcome> {

  let res: Response;
  let raw: string;
  try {
    res = await fetch(settings.authUrl, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic(creds.keyId, creds.keySecret)}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    raw = await res.text();
  } catch (err) {
    return { ok: false, kind: "retryable", reason: `Sinch token request failed: ${describe(err)}` };
  }

  if (res.ok) {
    const body = tokenResponseSchema.safeParse(parseJson(raw));
    if (!body.success) return { ok: false, kind: "retryable", reason: `Sinch token endpoint answered ${res.status} without an access_token` };
    const lifetimeMs = (body.data.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
    // A very short lifetime is still used once, never cached past half of it.
    const renewAt = now + Math.max(lifetimeMs - TOKEN_RENEW_MARGIN_MS, lifetimeMs / 2);
    cache.set(key, { token: body.data.access_token, renewAt });
    return { ok: true, token: body.data.access_token };
  }
  const detail = errorText(raw);
  const reason = `Sinch token endpoint answered ${res.status}${detail ? `: ${detail}` : ""}`;
  if (res.status === 401) return { ok: false, kind: "rejected", reason: `Sinch refused the access key (${reason})` };
  if (res.status === 429) return { ok: false, kind: "retryable", reason, retryAfterS: retryAfterOf(res, now) };
  if (res.status >= 500) return { ok: false, kind: "retryable", reason };
  return { ok: false, kind: "failed", reason };
}

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** OAuth2 errors are {"error","error_description"}; the Conversation API's are {"error":{"message"}}. */
export function errorText(raw: string): string {
  const body = parseJson(raw) as Record<string, unknown> | undefined;
  if (body && typeof body === "object") {
    const e = body.error;
    if (e && typeof e === "object") {
      const o = e as Record<string, unknown>;
      const parts = [typeof o.status === "string" ? o.status : undefined, typeof o.message === "string" ? o.message : undefined].filter(Boolean);
      if (parts.length) return parts.join(": ");
    }
    const parts = [typeof e === "string" ? e : undefined, typeof body.error_description === "string" ? body.error_description : undefined].filter(Boolean);
    if (parts.length) return parts.join(": ");
    if (typeof body.message === "string") return body.message;
  }
  return raw.trim().slice(0, 200);
}

/** Retry-After in seconds (delta-seconds or an HTTP date), when the answer has one. */
export function retryAfterOf(res: Response, now: number): number | undefined {
  const value = res.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined;
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
