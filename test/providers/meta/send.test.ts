import { afterEach, describe, expect, it, vi } from "vitest";
import type { MetaCredentials, MetaSettings } from "../../../src/providers/meta";
import { DEFAULT_RATE_LIMIT_RETRY_S, MAX_TEXT_BYTES, sendMeta } from "../../../src/providers/meta/send";
import type { OutboundRequest, SendContext } from "../../../src/providers/types";
import err2 from "../../fixtures/meta/error-2.json";
import err100 from "../../fixtures/meta/error-100-no-user.json";
import err190 from "../../fixtures/meta/error-190.json";
import err2534022 from "../../fixtures/meta/error-2534022.json";
import err4 from "../../fixtures/meta/error-4.json";
import err613 from "../../fixtures/meta/error-613.json";
import sendOk from "../../fixtures/meta/send-ok.json";
import { ACCESS_TOKEN, creds, IG } from "./helpers";

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 21, 12, 0);
const TO = "6284937561234567";
const text = "Siparişiniz yarın teslim edilecek 🚚 Schöne Grüße!";
const out = (t = text): OutboundRequest => ({ kind: "text", to: TO, text: t, messageId: 1 });

function ctx(settings: Partial<MetaSettings> = {}, lastInboundAt: number | null = NOW - HOUR): SendContext<MetaCredentials, MetaSettings> {
  return {
    accountId: "acct",
    creds,
    settings: { igAccountId: IG, flavor: "instagram", apiVersion: "v26.0", humanAgent: false, ...settings },
    receiveUrl: "https://hub.example.test/webhooks/meta/k",
    now: NOW,
    lastInboundAt,
  };
}

function stubFetch(...responses: Array<Response | Error>) {
  const fn = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit): Promise<Response> => {
    const next = responses.shift();
    if (!next) throw new Error("unexpected extra fetch");
    if (next instanceof Error) throw next;
    return next;
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function onlyRequest(fn: ReturnType<typeof stubFetch>) {
  expect(fn).toHaveBeenCalledTimes(1);
  const [input, init] = fn.mock.calls[0]!;
  const headers = new Headers(init?.headers);
  return {
    url: String(input),
    method: init?.method,
    authorization: headers.get("authorization"),
    contentType: headers.get("content-type"),
    body: JSON.parse(String(init?.body)) as unknown,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("sendMeta: the request", () => {
  it("POSTs /{v}/{igAccountId}/messages on graph.instagram.com with the bearer token; message_id is the provider id", async () => {
    const fetch = stubFetch(json(sendOk));
    expect(await sendMeta(out(), ctx())).toEqual({ ok: true, providerMessageId: sendOk.message_id });
    expect(onlyRequest(fetch)).toEqual({
      url: `https://graph.instagram.com/v26.0/${IG}/messages`,
      method: "POST",
      authorization: `Bearer ${ACCESS_TOKEN}`,
      contentType: "application/json",
      body: { recipient: { id: TO }, message: { text } },
    });
  });

  it("POSTs /{v}/me/messages on graph.facebook.com for the page flavor", async () => {
    const fetch = stubFetch(json(sendOk));
    await sendMeta(out(), ctx({ flavor: "page", apiVersion: "v23.0" }));
    expect(onlyRequest(fetch).url).toBe("https://graph.facebook.com/v23.0/me/messages");
  });

  it("uses apiBaseUrl when set (a local stand-in), trailing slash or not", async () => {
    const fetch = stubFetch(json(sendOk));
    await sendMeta(out(), ctx({ apiBaseUrl: "http://localhost:9100/" }));
    expect(onlyRequest(fetch).url).toBe(`http://localhost:9100/v26.0/${IG}/messages`);
  });

  it("tags HUMAN_AGENT past 24 h when humanAgent is on, and only then", async () => {
    const tagged = stubFetch(json(sendOk));
    await sendMeta(out(), ctx({ humanAgent: true }, NOW - 25 * HOUR));
    expect(onlyRequest(tagged).body).toEqual({ recipient: { id: TO }, message: { text }, messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" });

    for (const [humanAgent, last] of [[true, NOW - 23 * HOUR], [false, NOW - 25 * HOUR], [true, null]] as const) {
      const plain = stubFetch(json(sendOk));
      await sendMeta(out(), ctx({ humanAgent }, last));
      expect(onlyRequest(plain).body).toEqual({ recipient: { id: TO }, message: { text } });
    }
  });
});

describe("sendMeta: limits and edits", () => {
  it("sends exactly 1000 bytes and refuses 1001 before any fetch, counting UTF-8 bytes", async () => {
    const fits = "ş".repeat(MAX_TEXT_BYTES / 2); // 500 characters, 1000 bytes
    const fetch = stubFetch(json(sendOk));
    expect((await sendMeta(out(fits), ctx())).ok).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);

    const none = stubFetch();
    const over = `${fits}a`; // 501 characters: far under 1000 characters, 1001 bytes
    expect(await sendMeta(out(over), ctx())).toEqual({ ok: false, retryable: false, reason: "text is 1001 bytes of UTF-8; Instagram accepts at most 1000" });
    expect(await sendMeta(out("📦".repeat(251)), ctx())).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining("1004 bytes") });
    expect(none).not.toHaveBeenCalled();
  });

  it("refuses edits: Instagram has none", async () => {
    const fetch = stubFetch();
    expect(await sendMeta({ kind: "edit", to: TO, providerMessageId: "m", text: "x", messageId: 1 }, ctx())).toEqual({
      ok: false,
      retryable: false,
      reason: "Meta does not support editing a sent message",
    });
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("sendMeta: error mapping", () => {
  it("outside the window (10 / 2534022): not retryable, with a clear reason", async () => {
    stubFetch(json(err2534022, 400));
    expect(await sendMeta(out(), ctx())).toEqual({ ok: false, retryable: false, reason: "outside the reply window (Meta error 2534022)" });
  });

  it("invalid token (190): credentials rejected", async () => {
    stubFetch(json(err190, 400));
    expect(await sendMeta(out(), ctx())).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Meta refused the access token (Meta error 190/463: Error validating access token: Session has expired on Friday, 21-Nov-25 10:00:00 PST.)",
    });
  });

  it.each([
    ["code 4", err4, 400],
    ["code 613", err613, 400],
    ["code 17", { error: { message: "(#17) User request limit reached", code: 17 } }, 400],
    ["code 32", { error: { message: "(#32) Page request limit reached", code: 32 } }, 400],
    ["HTTP 429 without a Graph error", "Too Many Requests", 429],
  ])("rate limit (%s): retryable after 60 s when Meta gives no Retry-After", async (_name, body, status) => {
    stubFetch(typeof body === "string" ? new Response(body, { status }) : json(body, status));
    expect(await sendMeta(out(), ctx())).toMatchObject({ ok: false, retryable: true, retryAfterS: DEFAULT_RATE_LIMIT_RETRY_S, reason: expect.stringMatching(/^rate limited/) });
  });

  it("rate limit with Retry-After in seconds or as a date", async () => {
    stubFetch(json(err613, 429, { "Retry-After": "120" }));
    expect(await sendMeta(out(), ctx())).toMatchObject({ retryable: true, retryAfterS: 120 });
    stubFetch(json(err4, 400, { "Retry-After": new Date(NOW + 90_000).toUTCString() }));
    expect(await sendMeta(out(), ctx())).toMatchObject({ retryable: true, retryAfterS: 90 });
  });

  it("5xx, a transient Graph error, and network failures are retryable", async () => {
    stubFetch(new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect(await sendMeta(out(), ctx())).toEqual({ ok: false, retryable: true, reason: "HTTP 502 without a Graph API error" });
    stubFetch(json(err2, 500));
    expect(await sendMeta(out(), ctx())).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("Meta error 2") });
    stubFetch(new TypeError("fetch failed"));
    expect(await sendMeta(out(), ctx())).toEqual({ ok: false, retryable: true, reason: "network error: TypeError: fetch failed" });
  });

  it("other Graph errors are not retryable and say what Meta said", async () => {
    stubFetch(json(err100, 400));
    expect(await sendMeta(out(), ctx())).toEqual({ ok: false, retryable: false, reason: "Meta error 100/2018001: (#100) No matching user found" });
  });

  it("a 200 without message_id is not retried (Meta took it)", async () => {
    stubFetch(json({ recipient_id: TO }));
    expect(await sendMeta(out(), ctx())).toMatchObject({ ok: false, retryable: false });
  });

  it("never puts the access token in a reason", async () => {
    stubFetch(json({ error: { message: `Invalid OAuth access token - ${ACCESS_TOKEN}`, code: 100 } }, 400));
    const result = await sendMeta(out(), ctx());
    expect(JSON.stringify(result)).not.toContain(ACCESS_TOKEN);
    expect(result).toMatchObject({ reason: expect.stringContaining("<access token>") });
  });
});
