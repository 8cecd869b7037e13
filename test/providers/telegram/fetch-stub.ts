import { afterEach, expect, vi } from "vitest";

export const creds = {
  botToken: "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
  secretToken: "s3cr3t_Token-123",
};
export const settings = { apiBaseUrl: "https://api.telegram.example" };

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

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The one request made: URL, method, content type and parsed JSON body. */
export function onlyRequest(fn: ReturnType<typeof stubFetch>) {
  expect(fn).toHaveBeenCalledTimes(1);
  const [input, init] = fn.mock.calls[0]!;
  return {
    url: String(input),
    method: init?.method,
    contentType: new Headers(init?.headers).get("content-type"),
    body: JSON.parse(String(init?.body)) as unknown,
  };
}
