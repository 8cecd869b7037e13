import { describe, expect, it } from "vitest";
import { customAdapter } from "../../../src/providers/custom";
import { retryAfterOf, sendCustom } from "../../../src/providers/custom/send";
import sendAnswer from "../../fixtures/custom/send-answer.json";
import { activeCreds, json, OUTGOING_URL, onlyRequest, SIGNING_SECRET, settings, stubFetch } from "./helpers";
import { receiverVerifies } from "./verify";

const NOW = Date.UTC(2026, 0, 1, 7, 15, 30, 125);
const text = "Merhaba Ayşe, siparişiniz yolda 🚚";
const reply = { kind: "text", to: "cust-1001", text, messageId: 42 } as const;
const ctx = async (over: Record<string, unknown> = {}) => ({ accountId: "acct-1", creds: await activeCreds(), settings, now: NOW, ...over });

describe("sendCustom: a reply", () => {
  it("POSTs the documented JSON, signed, to the outgoing URL, and keeps the receiver's id", async () => {
    const fetch = stubFetch(json(sendAnswer));
    expect(await sendCustom(reply, await ctx())).toEqual({ ok: true, providerMessageId: "ext-5001" });
    const req = onlyRequest(fetch);
    expect(req.url).toBe(OUTGOING_URL);
    expect(req.method).toBe("POST");
    expect(req.redirect).toBe("manual");
    expect(req.signal).toBeInstanceOf(AbortSignal);
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(req.headers.get("x-hub-timestamp")).toBe(String(Math.floor(NOW / 1000)));
    expect(req.headers.get("x-hub-signature")).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(req.headers.has("authorization")).toBe(false);
    expect(req.raw).toBe(
      JSON.stringify({ type: "message", id: "42", recipient: { id: "cust-1001" }, text, timestamp: "2026-01-01T07:15:30.125Z" }),
    );
  });

  it("its signature verifies with the documented recipe, and fails with another secret or a changed byte", async () => {
    const fetch = stubFetch(json({}));
    await sendCustom(reply, await ctx());
    const { headers, raw } = onlyRequest(fetch);
    expect(await receiverVerifies(headers, raw, SIGNING_SECRET)).toBe(true);
    expect(await receiverVerifies(headers, raw, SIGNING_SECRET.replace("cs_", "cz_"))).toBe(false);
    expect(await receiverVerifies(headers, raw.replace("Ayşe", "Ayse"), SIGNING_SECRET)).toBe(false);
    const stale = new Headers(headers);
    stale.set("x-hub-timestamp", String(Math.floor(NOW / 1000) - 1));
    expect(await receiverVerifies(stale, raw, SIGNING_SECRET)).toBe(false);
  });

  it("falls back to custom:<hub id> when the 2xx answer has no usable id", async () => {
    for (const answer of [new Response(null, { status: 204 }), json({ ok: true }), new Response("accepted", { status: 202 }), json({ id: "" }), json({ id: null })]) {
      stubFetch(answer);
      expect(await sendCustom(reply, await ctx())).toEqual({ ok: true, providerMessageId: "custom:42" });
    }
    stubFetch(json({ id: 98765 }));
    expect(await sendCustom(reply, await ctx())).toEqual({ ok: true, providerMessageId: "98765" });
  });
});

describe("sendCustom: an edit", () => {
  it("POSTs type edit with the hub's id of the message and its full new text; the stored id stays", async () => {
    const fetch = stubFetch(json({ id: "something-else" }));
    const edit = { kind: "edit", to: "cust-1001", providerMessageId: "ext-5001", text: "Siparişiniz bugün teslim edilecek ✅", messageId: 42 } as const;
    expect(await sendCustom(edit, await ctx())).toEqual({ ok: true, providerMessageId: "ext-5001" });
    const req = onlyRequest(fetch);
    expect(req.url).toBe(OUTGOING_URL);
    expect(req.body).toEqual({ type: "edit", id: "42", recipient: { id: "cust-1001" }, text: edit.text, timestamp: "2026-01-01T07:15:30.125Z" });
    expect(await receiverVerifies(req.headers, req.raw, SIGNING_SECRET)).toBe(true);
  });
});

describe("sendCustom: error mapping", () => {
  it("429 and 5xx are retried, honouring Retry-After in seconds or as a date", async () => {
    stubFetch(json({ error: "slow down" }, 429, { "Retry-After": "37" }));
    expect(await sendCustom(reply, await ctx())).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 37,
      reason: 'the outgoing webhook answered HTTP 429: {"error":"slow down"}',
    });
    stubFetch(new Response("upstream down", { status: 503, headers: { "Retry-After": new Date(Date.now() + 120_000).toUTCString() } }));
    const unavailable = await sendCustom(reply, await ctx());
    expect(unavailable).toMatchObject({ ok: false, retryable: true, reason: "the outgoing webhook answered HTTP 503: upstream down" });
    expect((unavailable as { retryAfterS: number }).retryAfterS).toBeGreaterThanOrEqual(118);
    expect((unavailable as { retryAfterS: number }).retryAfterS).toBeLessThanOrEqual(120);
    stubFetch(new Response("", { status: 500 }));
    expect(await sendCustom(reply, await ctx())).toEqual({ ok: false, retryable: true, reason: "the outgoing webhook answered HTTP 500" });
  });

  it("network errors and timeouts are retried", async () => {
    stubFetch(new TypeError("Network connection lost."));
    expect(await sendCustom(reply, await ctx())).toEqual({
      ok: false,
      retryable: true,
      reason: "the outgoing webhook could not be reached (TypeError: Network connection lost.)",
    });
    stubFetch(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    expect(await sendCustom(reply, await ctx())).toEqual({ ok: false, retryable: true, reason: "the outgoing webhook did not answer within 15 s" });
  });

  it("401 and 403 reject the hub's credentials: not retried, the account is flagged", async () => {
    for (const status of [401, 403]) {
      stubFetch(json({ error: "bad signature" }, status));
      expect(await sendCustom(reply, await ctx())).toEqual({
        ok: false,
        retryable: false,
        credentialsRejected: true,
        reason: `the outgoing webhook answered HTTP ${status}: {"error":"bad signature"} (it refused the hub's signature: check that it verifies X-Hub-Signature with the account's signingSecret)`,
      });
    }
  });

  it("other 4xx are final, with the answer's start as the reason; a redirect is not followed", async () => {
    stubFetch(json({ error: "unknown recipient cust-1001" }, 404));
    expect(await sendCustom(reply, await ctx())).toEqual({
      ok: false,
      retryable: false,
      reason: 'the outgoing webhook answered HTTP 404: {"error":"unknown recipient cust-1001"}',
    });
    stubFetch(new Response("x".repeat(500), { status: 422 }));
    const long = await sendCustom(reply, await ctx());
    expect(long.ok === false && long.reason).toBe(`the outgoing webhook answered HTTP 422: ${"x".repeat(200)}…`);
    stubFetch(new Response(null, { status: 301, headers: { Location: "https://elsewhere.example/" } }));
    expect(await sendCustom(reply, await ctx())).toEqual({
      ok: false,
      retryable: false,
      reason: "the outgoing webhook answered HTTP 301; redirects are not followed: configure the final URL",
    });
  });

  it("a channel without an access token (not activated) sends nothing and is retried later", async () => {
    const fetch = stubFetch();
    const result = await sendCustom(reply, await ctx({ creds: { signingSecret: SIGNING_SECRET } }));
    expect(result).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 60,
      reason: "the custom channel is not activated: its outgoing webhook must answer the challenge first (POST /api/v1/accounts/acct-1/activate)",
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("the adapter sends through sendCustom and has no reply window", async () => {
    const fetch = stubFetch(json(sendAnswer));
    const result = await customAdapter.send(reply, { ...(await ctx()), receiveUrl: "", lastInboundAt: null });
    expect(result).toEqual({ ok: true, providerMessageId: "ext-5001" });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(customAdapter.replyWindow).toBeUndefined();
  });
});

describe("retryAfterOf", () => {
  it("reads delta-seconds and HTTP dates; ignores garbage", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterOf("120", now)).toBe(120);
    expect(retryAfterOf("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(retryAfterOf("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterOf("soon", now)).toBeUndefined();
    expect(retryAfterOf(null, now)).toBeUndefined();
  });
});
