import { describe, expect, it } from "vitest";
import { connexeaseSettingsSchema } from "../../../src/providers/connexease/config";
import { EDIT_UNSUPPORTED, sendConnexease, sentMessageIdOf } from "../../../src/providers/connexease/send";
import { clearTokenCache, TOKEN_RENEW_AFTER_MS } from "../../../src/providers/connexease/token-cache";
import type { SendContext } from "../../../src/providers/types";
import error400 from "../../fixtures/connexease/error-400.json";
import expired from "../../fixtures/connexease/error-401-expired.json";
import error403 from "../../fixtures/connexease/error-403.json";
import error404 from "../../fixtures/connexease/error-404.json";
import throttled from "../../fixtures/connexease/error-429.json";
import loginError from "../../fixtures/connexease/login-error-400.json";
import loginOk from "../../fixtures/connexease/login-ok.json";
import replyOk from "../../fixtures/connexease/reply-ok.json";
import { API, CONVERSATION, creds, jsonResponse, requests, settings, stubFetch } from "./helpers";

const T0 = Date.UTC(2026, 0, 1, 9);
const text = "Siparişiniz yolda 🚚 — Grüße!";
const out = { kind: "text", to: CONVERSATION, text, messageId: 41 } as const;
const REPLY_ID = "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c20";

function ctx(o: { now?: number; accountId?: string; settings?: typeof settings; creds?: typeof creds } = {}): SendContext<typeof creds, typeof settings> {
  return {
    accountId: o.accountId ?? "acct-1",
    creds: o.creds ?? creds,
    settings: o.settings ?? settings,
    receiveUrl: "https://hub.example.test/webhooks/connexease/k1",
    now: o.now ?? T0,
    lastInboundAt: null,
  };
}

const loginRequest = {
  url: `${API}/jwt/`,
  method: "POST",
  authorization: null,
  contentType: "application/json",
  body: { username: creds.username, password: creds.password },
};
const replyRequest = (token = loginOk.token) => ({
  url: `${API}/v2/messages/`,
  method: "POST",
  authorization: `JWT ${token}`,
  contentType: "application/json",
  body: { uuid: CONVERSATION, messages: [{ type: "text", content: text }] },
});

describe("sendConnexease: login and reply", () => {
  it("logs in with username and password, then POSTs the reply with Authorization: JWT <token>", async () => {
    const fetch = stubFetch(jsonResponse(loginOk), jsonResponse(replyOk, 201));
    expect(await sendConnexease(out, ctx())).toEqual({ ok: true, providerMessageId: REPLY_ID });
    expect(requests(fetch)).toEqual([loginRequest, replyRequest()]);
  });

  it("reuses the token for a second send: one login for two replies", async () => {
    const fetch = stubFetch(jsonResponse(loginOk), jsonResponse(replyOk, 201), jsonResponse(replyOk, 201));
    await sendConnexease(out, ctx());
    await sendConnexease(out, ctx({ now: T0 + TOKEN_RENEW_AFTER_MS - 1 }));
    expect(requests(fetch).map((r) => r.url)).toEqual([`${API}/jwt/`, `${API}/v2/messages/`, `${API}/v2/messages/`]);
  });

  it("logs in again once the token is 23 h old", async () => {
    const fetch = stubFetch(
      jsonResponse(loginOk),
      jsonResponse(replyOk, 201),
      jsonResponse({ ...loginOk, token: "second-token" }),
      jsonResponse(replyOk, 201),
    );
    await sendConnexease(out, ctx());
    expect(await sendConnexease(out, ctx({ now: T0 + TOKEN_RENEW_AFTER_MS }))).toMatchObject({ ok: true });
    const sent = requests(fetch);
    expect(sent.map((r) => r.url)).toEqual([`${API}/jwt/`, `${API}/v2/messages/`, `${API}/jwt/`, `${API}/v2/messages/`]);
    expect(sent[3]).toEqual(replyRequest("second-token"));
  });

  it("logs in again and retries once when the reply answers 401", async () => {
    const fetch = stubFetch(
      jsonResponse(loginOk),
      jsonResponse(replyOk, 201),
      jsonResponse(expired, 401),
      jsonResponse({ ...loginOk, token: "fresh-token" }),
      jsonResponse(replyOk, 201),
      jsonResponse(replyOk, 201),
    );
    await sendConnexease(out, ctx());
    expect(await sendConnexease(out, ctx({ now: T0 + 60_000 }))).toEqual({ ok: true, providerMessageId: REPLY_ID });
    // The fresh token is cached: the next send does not log in.
    await sendConnexease(out, ctx({ now: T0 + 120_000 }));
    const sent = requests(fetch);
    expect(sent.map((r) => r.url)).toEqual([
      `${API}/jwt/`,
      `${API}/v2/messages/`,
      `${API}/v2/messages/`,
      `${API}/jwt/`,
      `${API}/v2/messages/`,
      `${API}/v2/messages/`,
    ]);
    expect(sent[2]!.authorization).toBe(`JWT ${loginOk.token}`);
    expect(sent[3]).toEqual(loginRequest);
    expect(sent[4]).toEqual(replyRequest("fresh-token"));
    expect(sent[5]!.authorization).toBe("JWT fresh-token");
  });

  it("flags the credentials when a fresh token is refused with 401 too", async () => {
    const fetch = stubFetch(jsonResponse(loginOk), jsonResponse(expired, 401), jsonResponse(loginOk), jsonResponse({ detail: "Invalid signature." }, 401));
    expect(await sendConnexease(out, ctx())).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Connexease refused a fresh token for the reply (401 Invalid signature.)",
    });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it("flags the credentials when the re-login after a 401 is refused", async () => {
    stubFetch(jsonResponse(loginOk), jsonResponse(expired, 401), jsonResponse(loginError, 400));
    expect(await sendConnexease(out, ctx())).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Connexease refused the username or password (400 Could not logged in with provided fields.)",
    });
  });

  it("logs in again when the password changed, and keeps one token per account", async () => {
    const fetch = stubFetch(
      jsonResponse(loginOk),
      jsonResponse(replyOk, 201),
      jsonResponse({ ...loginOk, token: "other-account" }),
      jsonResponse(replyOk, 201),
      jsonResponse({ ...loginOk, token: "new-password" }),
      jsonResponse(replyOk, 201),
    );
    await sendConnexease(out, ctx());
    await sendConnexease(out, ctx({ accountId: "acct-2" }));
    await sendConnexease(out, ctx({ creds: { ...creds, password: "yeni-şifre" } }));
    const sent = requests(fetch);
    expect(sent.filter((r) => r.url.endsWith("/jwt/"))).toHaveLength(3);
    expect(sent[4]!.body).toEqual({ username: creds.username, password: "yeni-şifre" });
    expect(sent[5]!.authorization).toBe("JWT new-password");
  });

  it("shares one login between concurrent sends of an account", async () => {
    const fetch = stubFetch(jsonResponse(loginOk), jsonResponse(replyOk, 201), jsonResponse(replyOk, 201));
    await Promise.all([sendConnexease(out, ctx()), sendConnexease(out, ctx())]);
    expect(requests(fetch).filter((r) => r.url.endsWith("/jwt/"))).toHaveLength(1);
  });

  it("fills {conversation_uuid} in a custom reply path and sends {content} with replyBody content", async () => {
    const custom = connexeaseSettingsSchema.parse({
      ...settings,
      apiBaseUrl: `${API}/`,
      loginPath: "/api/jwt/",
      replyPath: "/conversations/{conversation_uuid}/messages/",
      replyBody: "content",
    });
    const fetch = stubFetch(jsonResponse(loginOk), jsonResponse({ id: 77012, content: text }, 201));
    expect(await sendConnexease({ ...out, to: "a b/c" }, ctx({ settings: custom }))).toEqual({ ok: true, providerMessageId: "77012" });
    const sent = requests(fetch);
    expect(sent[0]!.url).toBe(`${API}/api/jwt/`);
    expect(sent[1]).toEqual({
      url: `${API}/conversations/a%20b%2Fc/messages/`,
      method: "POST",
      authorization: `JWT ${loginOk.token}`,
      contentType: "application/json",
      body: { content: text },
    });
  });

  it("refuses edits without any request", async () => {
    const fetch = stubFetch();
    expect(await sendConnexease({ kind: "edit", to: CONVERSATION, providerMessageId: REPLY_ID, text: "x", messageId: 41 }, ctx())).toEqual({
      ok: false,
      retryable: false,
      reason: EDIT_UNSUPPORTED,
    });
    expect(EDIT_UNSUPPORTED).toBe("Connexease does not support editing a sent message");
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("sendConnexease: login errors", () => {
  it.each([
    ["400", jsonResponse(loginError, 400), "Connexease refused the username or password (400 Could not logged in with provided fields.)"],
    ["401", jsonResponse({ detail: "Invalid username/password." }, 401), "Connexease refused the username or password (401 Invalid username/password.)"],
  ])("%s → credentials rejected, no reply attempted", async (_, response, reason) => {
    const fetch = stubFetch(response);
    expect(await sendConnexease(out, ctx())).toEqual({ ok: false, retryable: false, credentialsRejected: true, reason });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("a user that needs a one-time password → credentials rejected", async () => {
    stubFetch(jsonResponse({ ...loginOk, otp: true }));
    expect(await sendConnexease(out, ctx())).toMatchObject({ ok: false, retryable: false, credentialsRejected: true, reason: expect.stringMatching(/one-time password/) });
  });

  it("429, 5xx and network errors → retryable", async () => {
    stubFetch(
      jsonResponse(throttled, 429, { "Retry-After": "12" }),
      new Response("<html>502 Bad Gateway</html>", { status: 502 }),
      new TypeError("connect ECONNREFUSED"),
    );
    expect(await sendConnexease(out, ctx())).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 12,
      reason: "login: rate limited (429 Request was throttled. Expected available in 37 seconds.)",
    });
    expect(await sendConnexease(out, ctx())).toEqual({ ok: false, retryable: true, reason: "login: HTTP 502 <html>502 Bad Gateway</html>" });
    expect(await sendConnexease(out, ctx())).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/^login: network error/) });
  });

  it("200 without a token → not retryable, not flagged", async () => {
    stubFetch(jsonResponse({ otp: false }));
    expect(await sendConnexease(out, ctx())).toEqual({ ok: false, retryable: false, reason: "login: HTTP 200 without a token" });
  });

  it("never puts the password in a reason", async () => {
    stubFetch(jsonResponse(loginError, 400), new TypeError("boom"));
    for (let i = 0; i < 2; i++) expect(JSON.stringify(await sendConnexease(out, ctx()))).not.toContain(creds.password);
  });
});

describe("sendConnexease: reply errors", () => {
  const failing = async (...responses: Array<Response | Error>) => {
    clearTokenCache(); // each call logs in afresh
    stubFetch(jsonResponse(loginOk), ...responses);
    return sendConnexease(out, ctx());
  };

  it("429 → retryable after Retry-After seconds", async () => {
    expect(await failing(jsonResponse(throttled, 429, { "Retry-After": "37" }))).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 37,
      reason: "reply: rate limited (429 Request was throttled. Expected available in 37 seconds.)",
    });
  });

  it("429 with Retry-After as an HTTP date, and 429 with only Django's detail", async () => {
    const date = new Date(T0 + 90_000).toUTCString();
    expect(await failing(jsonResponse({}, 429, { "Retry-After": date }))).toMatchObject({ retryable: true, retryAfterS: 90 });
    expect(await failing(jsonResponse(throttled, 429))).toMatchObject({ retryable: true, retryAfterS: 37 });
    expect(await failing(new Response("", { status: 429 }))).toEqual({ ok: false, retryable: true, reason: "reply: rate limited (429 (empty body))" });
  });

  it("5xx (JSON or HTML) and network errors → retryable", async () => {
    expect(await failing(jsonResponse({ detail: "Server error" }, 500))).toEqual({ ok: false, retryable: true, reason: "reply: HTTP 500 Server error" });
    expect(await failing(new Response("<html>503</html>", { status: 503 }))).toMatchObject({ ok: false, retryable: true });
    expect(await failing(new TypeError("network connection lost"))).toEqual({
      ok: false,
      retryable: true,
      reason: "reply: network error: TypeError: network connection lost",
    });
  });

  it("404 → not retryable: the conversation is unknown", async () => {
    expect(await failing(jsonResponse(error404, 404))).toEqual({
      ok: false,
      retryable: false,
      reason: `conversation ${CONVERSATION} not found at Connexease (404 Not found.)`,
    });
  });

  it("403 → not retryable, account not flagged", async () => {
    expect(await failing(jsonResponse(error403, 403))).toEqual({
      ok: false,
      retryable: false,
      reason: "Connexease refused the reply (403 You do not have permission to perform this action.)",
    });
  });

  it("400 → not retryable with Connexease's field errors", async () => {
    expect(await failing(jsonResponse(error400, 400))).toEqual({ ok: false, retryable: false, reason: "reply: HTTP 400 messages: This field is required." });
  });

  it("2xx without a message id → sent, under a placeholder id", async () => {
    expect(await failing(new Response(null, { status: 204 }))).toEqual({ ok: true, providerMessageId: "hub-41" });
  });
});

describe("sentMessageIdOf", () => {
  it("finds the created message's uuid or id, never the conversation's", () => {
    expect(sentMessageIdOf(replyOk, CONVERSATION)).toBe(REPLY_ID);
    expect(sentMessageIdOf({ uuid: "m-1" }, CONVERSATION)).toBe("m-1");
    expect(sentMessageIdOf({ uuid: CONVERSATION }, CONVERSATION)).toBeUndefined();
    expect(sentMessageIdOf({ message: { id: 12 } })).toBe("12");
    expect(sentMessageIdOf({ data: { messages: [{ uuid: "m-2" }] } })).toBe("m-2");
    expect(sentMessageIdOf({ results: [{ id: "m-3" }] })).toBe("m-3");
    expect(sentMessageIdOf([{ uuid: "m-4" }])).toBe("m-4");
    expect(sentMessageIdOf({ ok: true })).toBeUndefined();
    expect(sentMessageIdOf("ok")).toBeUndefined();
  });
});

describe("connexease settings", () => {
  it("fills the defaults", () => {
    expect(connexeaseSettingsSchema.parse({ channelId: "ch", accountId: "10482" })).toEqual({
      channelId: "ch",
      accountId: "10482",
      apiBaseUrl: "https://api.connexease.com",
      loginPath: "/jwt/",
      replyPath: "/v2/messages/",
      replyBody: "messages",
      signatureMode: "raw_body",
    });
  });

  it("refuses a content body on a path that does not name the conversation, unknown fields and bad paths", () => {
    const base = { channelId: "ch", accountId: "1" };
    expect(connexeaseSettingsSchema.safeParse({ ...base, replyBody: "content" }).success).toBe(false);
    expect(connexeaseSettingsSchema.safeParse({ ...base, replyBody: "content", replyPath: "/c/{conversation_uuid}/m/" }).success).toBe(true);
    expect(connexeaseSettingsSchema.safeParse({ ...base, loginPath: "jwt/" }).success).toBe(false);
    expect(connexeaseSettingsSchema.safeParse({ ...base, signatureMode: "secret" }).success).toBe(false);
    expect(connexeaseSettingsSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    expect(connexeaseSettingsSchema.safeParse({ channelId: "ch" }).success).toBe(false);
  });
});
