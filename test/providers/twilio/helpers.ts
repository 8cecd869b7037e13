import { exports } from "cloudflare:workers";
import { afterEach, expect, vi } from "vitest";
import { twilioSignature } from "../../../src/providers/twilio/authenticate";
import type { FormPairs } from "../../../src/providers/twilio/form";

/** The account the fixtures were recorded for. */
export const ACCOUNT_SID = "ACe268443e43d93dab7ebef303bbe9642f";
export const AUTH_TOKEN = "9b2c4e1f7a3d5c8e0f6a1b2c3d4e5f60";
export const FROM = "whatsapp:+14155238886";
export const API = "https://twilio-api.test";
export const creds = { authToken: AUTH_TOKEN };
export const settings = { accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: API };

export type Params = Record<string, string> | FormPairs;

const pairs = (params: Params): FormPairs => (Array.isArray(params) ? params : Object.entries(params));

/** The body as Twilio posts it: application/x-www-form-urlencoded, UTF-8, `+` for spaces. */
export function formBody(params: Params): string {
  return new URLSearchParams(pairs(params)).toString();
}

export function sign(url: string, params: Params, authToken = AUTH_TOKEN): Promise<string> {
  return twilioSignature(authToken, url, pairs(params));
}

/**
 * POSTs `params` to `url` through the Worker. The signature is computed over `signOver` (default:
 * `url`), or given as `signature` (null: no header). `body` replaces the encoded params.
 */
export async function postTwilio(url: string, params: Params, o: { signOver?: string; signature?: string | null; body?: string | Uint8Array } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  const signature = o.signature === undefined ? await sign(o.signOver ?? url, params) : o.signature;
  if (signature !== null) headers["X-Twilio-Signature"] = signature;
  return exports.default.fetch(url, { method: "POST", headers, body: o.body ?? formBody(params) });
}

/** Replaces globalThis.fetch with a vi.fn answering `responses` in turn; restored after each test. */
export function stubFetch(...responses: Array<Response | Error>) {
  const fn = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit): Promise<Response> => {
    const next = responses.shift();
    if (!next) throw new Error("unexpected extra fetch");
    if (next instanceof Error) throw next;
    return next;
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The one request made: URL, method, headers of interest and the raw and parsed form body. */
export function onlyRequest(fn: ReturnType<typeof vi.fn>) {
  expect(fn).toHaveBeenCalledTimes(1);
  return requestOf(fn.mock.calls[0]!);
}

export function requestOf([input, init]: unknown[]) {
  const i = init as RequestInit | undefined;
  const headers = new Headers(i?.headers);
  return {
    url: String(input),
    method: i?.method,
    authorization: headers.get("authorization"),
    contentType: headers.get("content-type"),
    rawBody: String(i?.body),
    form: Object.fromEntries(new URLSearchParams(String(i?.body))),
  };
}
