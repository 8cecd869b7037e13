import { afterEach, beforeEach, expect, vi } from "vitest";
import { sinchSignature } from "../../../src/providers/sinch/authenticate";
import type { SinchCredentials, SinchSettings } from "../../../src/providers/sinch/config";
import { clearTokenCache } from "../../../src/providers/sinch/token";

export const APP_ID = "01HQ7ZKX9W3YB6T1CMRZ5D2A8E";
export const PROJECT_ID = "b8a4d5e2-4c1f-4a9b-9e2d-7f3c1a6b5d40";
export const AUTH_URL = "https://auth.sinch.example/oauth2/token";
export const API_BASE = "https://conversation.sinch.example";

export const creds: SinchCredentials = {
  keyId: "6a1c3b8e-key-id",
  keySecret: "Sëcret-key_ÿ",
  webhookSecret: "whsec_Sinch-test-secret-0123456789",
};

/** Settings as the schema fills them: the custom base URL and token endpoint point at doubles. */
export const settings: SinchSettings = {
  projectId: PROJECT_ID,
  appId: APP_ID,
  region: "eu",
  apiBaseUrl: API_BASE,
  authUrl: AUTH_URL,
  maxSkewS: 300,
};

let n = 0;
/** A fresh account id per call, so the token cache of one test never serves another. */
export const accountId = () => `acct-sinch-${++n}`;

beforeEach(() => clearTokenCache());
afterEach(() => vi.unstubAllGlobals());

type Answer = Response | Error | ((url: string, init?: RequestInit) => Response | Promise<Response>);

/** Replaces globalThis.fetch with a vi.fn answering `answers` in turn. */
export function stubFetch(...answers: Answer[]) {
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const next = answers.shift();
    if (!next) throw new Error(`unexpected extra fetch to ${String(input)}`);
    if (next instanceof Error) throw next;
    if (typeof next === "function") return next(String(input), init);
    return next;
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The i-th request made: URL, method, headers and body text. */
export function requestOf(fn: ReturnType<typeof stubFetch>, i: number) {
  const call = fn.mock.calls[i];
  expect(call, `request #${i}`).toBeDefined();
  const [input, init] = call!;
  const headers = new Headers(init?.headers);
  return {
    url: String(input),
    method: init?.method,
    authorization: headers.get("authorization"),
    contentType: headers.get("content-type"),
    body: String(init?.body),
  };
}

export const basic = (user: string, password: string) => {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
};

/** Sinch's four signature headers over `rawBody`, as Sinch would send them. */
export async function signedHeaders(
  rawBody: string | Uint8Array,
  o: { secret?: string; nonce?: string; timestamp?: number | string; algorithm?: string } = {},
): Promise<Record<string, string>> {
  const bytes = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : rawBody;
  const nonce = o.nonce ?? `01N${crypto.randomUUID().replaceAll("-", "").slice(0, 23).toUpperCase()}`;
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    "content-type": "application/json",
    "x-sinch-webhook-signature": await sinchSignature(o.secret ?? creds.webhookSecret, bytes, nonce, timestamp),
    "x-sinch-webhook-signature-timestamp": timestamp,
    "x-sinch-webhook-signature-nonce": nonce,
    "x-sinch-webhook-signature-algorithm": o.algorithm ?? "HmacSHA256",
  };
}
