import { describe, expect, it } from "vitest";
import type { SinchSettings } from "../../../src/providers/sinch/config";
import { sinchSettingsSchema } from "../../../src/providers/sinch/config";
import { EDIT_UNSUPPORTED, MAX_TEXT_LENGTH, sendSinch } from "../../../src/providers/sinch/send";
import type { OutboundRequest } from "../../../src/providers/types";
import e400 from "../../fixtures/sinch/error-400.json";
import e401 from "../../fixtures/sinch/error-401.json";
import e403 from "../../fixtures/sinch/error-403.json";
import e404 from "../../fixtures/sinch/error-404.json";
import e429 from "../../fixtures/sinch/error-429.json";
import e500 from "../../fixtures/sinch/error-500.json";
import sendOk from "../../fixtures/sinch/send-ok.json";
import tokenError from "../../fixtures/sinch/token-error-401.json";
import tokenOk from "../../fixtures/sinch/token-ok.json";
import { accountId, API_BASE, APP_ID, AUTH_URL, basic, creds, jsonResponse, PROJECT_ID, requestOf, settings, stubFetch } from "./helpers";

const NOW = 1_768_382_400_000;
const text = "Siparişiniz yarın teslim edilecek 🚚 — Grüße!";
const out = (t = text, to = "905321234567"): OutboundRequest => ({ kind: "text", to, text: t, messageId: 7 });
const ctx = (o: { id?: string; now?: number; settings?: SinchSettings } = {}) => ({
  accountId: o.id ?? accountId(),
  creds,
  settings: o.settings ?? settings,
  receiveUrl: "https://hub.example.test/webhooks/sinch/k",
  now: o.now ?? NOW,
  lastInboundAt: NOW - 60_000,
});
const token = () => jsonResponse(tokenOk);
const token2 = () => jsonResponse({ ...tokenOk, access_token: "second-token" });
const sendUrl = `${API_BASE}/v1/projects/${PROJECT_ID}/messages:send`;

describe("sendSinch: requests", () => {
  it("gets a client-credentials token, then POSTs messages:send with it; Sinch's message_id is the provider id", async () => {
    const fetch = stubFetch(token(), jsonResponse(sendOk));
    expect(await sendSinch(out(), ctx())).toEqual({ ok: true, providerMessageId: "01HQ8BN9R4P2T6U8W0Y3A5C7EF" });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(requestOf(fetch, 0)).toEqual({
      url: AUTH_URL,
      method: "POST",
      authorization: basic(creds.keyId, creds.keySecret),
      contentType: "application/x-www-form-urlencoded",
      body: "grant_type=client_credentials",
    });
    const send = requestOf(fetch, 1);
    expect({ ...send, body: JSON.parse(send.body) }).toEqual({
      url: sendUrl,
      method: "POST",
      authorization: `Bearer ${tokenOk.access_token}`,
      contentType: "application/json",
      body: {
        app_id: APP_ID,
        recipient: { identified_by: { channel_identities: [{ channel: "WHATSAPP", identity: "905321234567" }] } },
        message: { text_message: { text } },
      },
    });
  });

  it("sends the identity exactly as stored, with or without +", async () => {
    const fetch = stubFetch(token(), jsonResponse(sendOk));
    await sendSinch(out("Hallo", "+4915112345678"), ctx());
    expect(JSON.parse(requestOf(fetch, 1).body).recipient.identified_by.channel_identities).toEqual([{ channel: "WHATSAPP", identity: "+4915112345678" }]);
  });

  it("reuses the account's token across sends, and asks again shortly before it expires", async () => {
    const id = accountId();
    const fetch = stubFetch(token(), jsonResponse(sendOk), jsonResponse(sendOk), token2(), jsonResponse(sendOk));
    await sendSinch(out(), ctx({ id }));
    await sendSinch(out(), ctx({ id, now: NOW + 3_500_000 })); // 58 min: still fresh (expires_in 3599 s, renewed 60 s early)
    await sendSinch(out(), ctx({ id, now: NOW + 3_540_000 })); // 59 min: renewed
    expect(fetch.mock.calls.map(([u]) => String(u))).toEqual([AUTH_URL, sendUrl, sendUrl, AUTH_URL, sendUrl]);
    expect(requestOf(fetch, 2).authorization).toBe(`Bearer ${tokenOk.access_token}`);
    expect(requestOf(fetch, 4).authorization).toBe("Bearer second-token");
  });

  it("shares one token request among parallel sends of one account", async () => {
    const id = accountId();
    const fetch = stubFetch(token(), jsonResponse(sendOk), jsonResponse(sendOk), jsonResponse(sendOk));
    const results = await Promise.all([sendSinch(out(), ctx({ id })), sendSinch(out(), ctx({ id })), sendSinch(out(), ctx({ id }))]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fetch.mock.calls.filter(([u]) => String(u) === AUTH_URL)).toHaveLength(1);
  });

  it("keeps tokens per account", async () => {
    const fetch = stubFetch(token(), jsonResponse(sendOk), token2(), jsonResponse(sendOk));
    await sendSinch(out(), ctx());
    await sendSinch(out(), ctx());
    expect(fetch.mock.calls.map(([u]) => String(u))).toEqual([AUTH_URL, sendUrl, AUTH_URL, sendUrl]);
  });

  it("uses the regional base URL when no custom one is set", async () => {
    for (const region of ["us", "eu", "br"] as const) {
      const regional = sinchSettingsSchema.parse({ projectId: PROJECT_ID, appId: APP_ID, region });
      const fetch = stubFetch(token(), jsonResponse(sendOk));
      await sendSinch(out(), ctx({ settings: regional }));
      expect(requestOf(fetch, 0).url).toBe("https://auth.sinch.com/oauth2/token");
      expect(requestOf(fetch, 1).url).toBe(`https://${region}.conversation.api.sinch.com/v1/projects/${PROJECT_ID}/messages:send`);
    }
  });

  it("uses a custom base URL, tolerating a trailing slash", async () => {
    const custom = { ...settings, apiBaseUrl: "http://localhost:8787/sinch/" };
    const fetch = stubFetch(token(), jsonResponse(sendOk));
    await sendSinch(out(), ctx({ settings: custom }));
    expect(requestOf(fetch, 1).url).toBe(`http://localhost:8787/sinch/v1/projects/${PROJECT_ID}/messages:send`);
  });
});

describe("sendSinch: limits and edits", () => {
  it("sends 4096 emoji (code points) and refuses 4097 characters before any request", async () => {
    stubFetch(token(), jsonResponse(sendOk));
    expect((await sendSinch(out("📦".repeat(MAX_TEXT_LENGTH)), ctx())).ok).toBe(true);
    const fetch = stubFetch();
    expect(await sendSinch(out("ş".repeat(MAX_TEXT_LENGTH + 1)), ctx())).toEqual({ ok: false, retryable: false, reason: expect.stringContaining("4097") });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("refuses edits: Sinch has no way to change a sent message", async () => {
    const fetch = stubFetch();
    const edit: OutboundRequest = { kind: "edit", to: "905321234567", providerMessageId: "01X", text: "yeni", messageId: 7 };
    expect(await sendSinch(edit, ctx())).toEqual({ ok: false, retryable: false, reason: EDIT_UNSUPPORTED });
    expect(EDIT_UNSUPPORTED).toBe("Sinch does not support editing a sent message");
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("sendSinch: error mapping", () => {
  it("on a 401 from messages:send drops the cached token and retries once with a new one", async () => {
    const id = accountId();
    const fetch = stubFetch(token(), jsonResponse(sendOk), jsonResponse(e401, 401), token2(), jsonResponse(sendOk), jsonResponse(sendOk));
    await sendSinch(out(), ctx({ id }));
    expect(await sendSinch(out(), ctx({ id }))).toEqual({ ok: true, providerMessageId: sendOk.message_id });
    expect(await sendSinch(out(), ctx({ id }))).toMatchObject({ ok: true }); // the new token is cached
    expect(fetch.mock.calls.map(([u]) => String(u))).toEqual([AUTH_URL, sendUrl, sendUrl, AUTH_URL, sendUrl, sendUrl]);
    expect(requestOf(fetch, 4).authorization).toBe("Bearer second-token");
    expect(requestOf(fetch, 5).authorization).toBe("Bearer second-token");
  });

  it("flags the credentials when a fresh token is refused too", async () => {
    const fetch = stubFetch(token(), jsonResponse(e401, 401), token2(), jsonResponse(e401, 401));
    expect(await sendSinch(out(), ctx())).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Sinch refused the access token (Sinch answered 401: UNAUTHENTICATED: Request had invalid credentials.)",
    });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it("flags the credentials when the token endpoint answers 401", async () => {
    stubFetch(jsonResponse(tokenError, 401));
    expect(await sendSinch(out(), ctx())).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Sinch refused the access key (Sinch token endpoint answered 401: invalid_client: Client authentication failed)",
    });
  });

  it("retries a 429 after Retry-After, from messages:send and from the token endpoint", async () => {
    stubFetch(token(), jsonResponse(e429, 429, { "retry-after": "17" }));
    expect(await sendSinch(out(), ctx())).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 17,
      reason: "Sinch answered 429: RESOURCE_EXHAUSTED: Too many requests, please retry later",
    });
    stubFetch(jsonResponse({}, 429, { "retry-after": new Date(NOW + 30_000).toUTCString() }));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: true, retryAfterS: 30 });
    stubFetch(token(), jsonResponse(e429, 429));
    const noHint = await sendSinch(out(), ctx());
    expect(noHint).toMatchObject({ ok: false, retryable: true });
    expect(noHint).not.toHaveProperty("retryAfterS");
  });

  it("retries 5xx (JSON or not) and network failures, from either endpoint", async () => {
    stubFetch(token(), jsonResponse(e500, 500));
    expect(await sendSinch(out(), ctx())).toEqual({ ok: false, retryable: true, reason: "Sinch answered 500: INTERNAL: Internal error" });
    stubFetch(token(), new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("502") });
    stubFetch(token(), new TypeError("fetch failed"));
    expect(await sendSinch(out(), ctx())).toEqual({ ok: false, retryable: true, reason: "Sinch request failed: TypeError: fetch failed" });
    stubFetch(new Response("unavailable", { status: 503 }));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("token endpoint answered 503") });
    stubFetch(new TypeError("fetch failed"));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("token request failed") });
  });

  it("gives up on other 4xx with Sinch's error message", async () => {
    for (const [body, status] of [
      [e400, 400],
      [e403, 403],
      [e404, 404],
    ] as const) {
      stubFetch(token(), jsonResponse(body, status));
      expect(await sendSinch(out(), ctx())).toEqual({
        ok: false,
        retryable: false,
        reason: `Sinch answered ${status}: ${body.error.status}: ${body.error.message}`,
      });
    }
    stubFetch(jsonResponse({ error: "invalid_request" }, 400));
    expect(await sendSinch(out(), ctx())).toEqual({ ok: false, retryable: false, reason: "Sinch token endpoint answered 400: invalid_request" });
  });

  it("does not ask for a retry when Sinch accepted the message but the answer lacks its id", async () => {
    stubFetch(token(), jsonResponse({ accepted_time: "2026-01-14T09:20:00Z" }));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: false });
  });

  it("retries when the token endpoint answers 200 without a token", async () => {
    stubFetch(jsonResponse({ token_type: "bearer" }));
    expect(await sendSinch(out(), ctx())).toMatchObject({ ok: false, retryable: true });
  });
});
