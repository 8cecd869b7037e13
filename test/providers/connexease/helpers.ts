import { afterEach, beforeEach, vi } from "vitest";
import { connexeaseSettingsSchema } from "../../../src/providers/connexease/config";
import { clearTokenCache } from "../../../src/providers/connexease/token-cache";

export const CHANNEL = "3f1e9a52-7c4b-4d2e-9a61-0b5d8e2f4c17";
export const CONVERSATION = "8d2b6c1e-4f3a-4b7e-9c2d-5e6f7a8b9c0d";
export const API = "https://api.connexease.example";

export const creds = {
  username: "api.user@magaza.example",
  password: "Şifre-çok-gizli-42",
  webhookSecret: "whsec-test-Çok-gizli-1234",
};

/** Settings as the account stores them (defaults filled), on a test API base URL. */
export const settings = connexeaseSettingsSchema.parse({ channelId: CHANNEL, accountId: "10482", apiBaseUrl: API });

/** Replaces globalThis.fetch with a vi.fn answering `responses` in turn; restored (and the token cache emptied) after each test. */
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

beforeEach(() => clearTokenCache());
afterEach(() => {
  vi.unstubAllGlobals();
  clearTokenCache();
});

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Every request made: URL, method, authorization, content type and parsed JSON body. */
export function requests(fn: ReturnType<typeof stubFetch>) {
  return fn.mock.calls.map(([input, init]) => {
    const headers = new Headers(init?.headers);
    return {
      url: String(input),
      method: init?.method,
      authorization: headers.get("authorization"),
      contentType: headers.get("content-type"),
      body: JSON.parse(String(init?.body)) as unknown,
    };
  });
}
