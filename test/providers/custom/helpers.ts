import { exports } from "cloudflare:workers";
import { afterEach, expect, vi } from "vitest";
import type { WebhookRequest } from "../../../src/providers/types";
import { sha256Hex } from "../../../src/security/crypto";
import { BASE, createAccount } from "../../helpers/hub";

export const SIGNING_SECRET = "cs_test_4f9a2b7c1d8e3f60a5b4c3d2e1f0a9b8";
export const ACCESS_TOKEN = "ct_live_Q2hhbm5lbEh1YkN1c3RvbVRva2VuMDAx";
export const OUTGOING_URL = "https://chat.partner.example/hub/outgoing";
export const settings = { outgoingUrl: OUTGOING_URL };

export const activeCreds = async (token = ACCESS_TOKEN) => ({ signingSecret: SIGNING_SECRET, accessTokenHash: await sha256Hex(token) });

/** Replaces globalThis.fetch with a vi.fn answering `responses` in turn; restored after each test. */
export function stubFetch(...responses: Array<Response | Error | ((init?: RequestInit) => Promise<Response>)>) {
  const fn = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const next = responses.shift();
    if (!next) throw new Error("unexpected extra fetch");
    if (next instanceof Error) throw next;
    if (typeof next === "function") return next(init);
    return next;
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The one request made, as the receiver sees it: URL, method, headers, the raw body and its JSON. */
export function onlyRequest(fn: ReturnType<typeof stubFetch>) {
  expect(fn).toHaveBeenCalledTimes(1);
  return requestAt(fn, 0);
}

export function requestAt(fn: ReturnType<typeof stubFetch>, i: number) {
  const [input, init] = fn.mock.calls[i]!;
  const headers = new Headers(init?.headers);
  const raw = String(init?.body);
  return { url: String(input), method: init?.method, redirect: init?.redirect, signal: init?.signal, headers, raw, body: JSON.parse(raw) as any };
}

export function webhookRequest(headers: Record<string, string>, body: unknown = { messages: [] }): WebhookRequest {
  return {
    url: `${BASE}/webhooks/custom/acc_01`,
    method: "POST",
    headers: new Headers(headers),
    rawBody: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  };
}

/** An activated custom account in D1 whose access token is `token`. */
export async function createCustomAccount(queueId: string, opts: { token?: string; status?: string; outgoingUrl?: string } = {}) {
  return createAccount({
    provider: "custom",
    queueId,
    credentials: await activeCreds(opts.token),
    settings: { outgoingUrl: opts.outgoingUrl ?? OUTGOING_URL },
    status: opts.status,
  });
}

export function postCustom(key: string, body: unknown, token: string | null = ACCESS_TOKEN, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...extra };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return exports.default.fetch(`${BASE}/webhooks/custom/${key}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
