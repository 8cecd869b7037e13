import { describe, expect, it } from "vitest";
import { MAX_BODY_LENGTH, retryAfterOf, sendTwilio } from "../../../src/providers/twilio/send";
import error20003 from "../../fixtures/twilio/error-20003.json";
import error20429 from "../../fixtures/twilio/error-20429.json";
import error20500 from "../../fixtures/twilio/error-20500.json";
import error21211 from "../../fixtures/twilio/error-21211.json";
import error21617 from "../../fixtures/twilio/error-21617.json";
import error63016 from "../../fixtures/twilio/error-63016.json";
import error63018 from "../../fixtures/twilio/error-63018.json";
import sendOk from "../../fixtures/twilio/send-message-ok.json";
import { ACCOUNT_SID, API, AUTH_TOKEN, creds, FROM, jsonResponse, onlyRequest, settings, stubFetch } from "./helpers";

const TO = "whatsapp:+905321234567";
const CALLBACK = "https://hub.example.test/webhooks/twilio/acct-key";
const out = { kind: "text", to: TO, text: "Siparişiniz yolda 🚚 – Grüße", messageId: 1 } as const;
const send = (o: Parameters<typeof sendTwilio>[0] = out, callback = CALLBACK) => sendTwilio(o, creds, settings, callback);

describe("sendTwilio: the request", () => {
  it("POSTs From, To, Body and StatusCallback as a form to Messages.json with Basic auth, and returns the sid", async () => {
    const fetch = stubFetch(jsonResponse(sendOk, 201));
    expect(await send()).toEqual({ ok: true, providerMessageId: sendOk.sid });
    const req = onlyRequest(fetch);
    expect(req).toEqual({
      url: `${API}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      method: "POST",
      authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`,
      contentType: "application/x-www-form-urlencoded",
      rawBody:
        "From=whatsapp%3A%2B14155238886&To=whatsapp%3A%2B905321234567" +
        "&Body=Sipari%C5%9Finiz+yolda+%F0%9F%9A%9A+%E2%80%93+Gr%C3%BC%C3%9Fe" +
        "&StatusCallback=https%3A%2F%2Fhub.example.test%2Fwebhooks%2Ftwilio%2Facct-key",
      form: { From: FROM, To: TO, Body: out.text, StatusCallback: CALLBACK },
    });
  });

  it("omits StatusCallback when the hub's public URL is unknown", async () => {
    const fetch = stubFetch(jsonResponse(sendOk, 201));
    await send(out, "");
    expect(onlyRequest(fetch).form).toEqual({ From: FROM, To: TO, Body: out.text });
  });

  it("uses the default API base URL, and tolerates a trailing slash on a custom one", async () => {
    const fetch = stubFetch(jsonResponse(sendOk, 201), jsonResponse(sendOk, 201));
    await sendTwilio(out, creds, { ...settings, apiBaseUrl: "https://api.twilio.com" }, CALLBACK);
    await sendTwilio(out, creds, { ...settings, apiBaseUrl: "http://localhost:4010/" }, CALLBACK);
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual([
      `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      `http://localhost:4010/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
    ]);
  });

  it("does not ask for a retry when Twilio accepted the message but the answer lacks its sid", async () => {
    stubFetch(new Response("<html>Created</html>", { status: 201 }));
    expect(await send()).toEqual({ ok: false, retryable: false, reason: "Twilio answered HTTP 201 without a message sid" });
  });
});

describe("sendTwilio: limits and edits", () => {
  it("sends exactly 1600 characters", async () => {
    const fetch = stubFetch(jsonResponse(sendOk, 201));
    expect((await send({ ...out, text: "ş".repeat(MAX_BODY_LENGTH) })).ok).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("refuses 1601 characters, and 801 emoji (1602 UTF-16 units), before any fetch", async () => {
    const fetch = stubFetch();
    expect(await send({ ...out, text: "ü".repeat(MAX_BODY_LENGTH + 1) })).toEqual({
      ok: false,
      retryable: false,
      reason: "text is 1601 characters; Twilio accepts at most 1600",
    });
    expect(await send({ ...out, text: "📦".repeat(801) })).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining("1602") });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("refuses edits, which WhatsApp through Twilio does not have, before any fetch", async () => {
    const fetch = stubFetch();
    expect(await send({ kind: "edit", to: TO, providerMessageId: sendOk.sid, text: "düzeltme", messageId: 1 })).toEqual({
      ok: false,
      retryable: false,
      reason: "Twilio does not support editing a sent message",
    });
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("sendTwilio: errors", () => {
  it("63016 → not retryable: outside the 24-hour window", async () => {
    stubFetch(jsonResponse(error63016, 400));
    expect(await send()).toEqual({ ok: false, retryable: false, reason: "outside WhatsApp's 24-hour window: a template is needed (Twilio 63016)" });
  });

  it("HTTP 429 → retryable after Retry-After (seconds)", async () => {
    stubFetch(jsonResponse(error20429, 429, { "Retry-After": "17" }));
    expect(await send()).toEqual({ ok: false, retryable: true, retryAfterS: 17, reason: "Too Many Requests (Twilio 20429)" });
  });

  it("HTTP 429 without Retry-After, and 63018 → retryable after 60 s", async () => {
    stubFetch(new Response("", { status: 429 }), jsonResponse(error63018, 400));
    expect(await send()).toEqual({ ok: false, retryable: true, retryAfterS: 60, reason: "Twilio answered HTTP 429" });
    expect(await send()).toEqual({ ok: false, retryable: true, retryAfterS: 60, reason: "Rate limit exceeded for Channel (Twilio 63018)" });
  });

  it("reads Retry-After as an HTTP date too", () => {
    const now = Date.parse("2026-11-21T10:00:00Z");
    expect(retryAfterOf("Sat, 21 Nov 2026 10:00:30 GMT", now)).toBe(30);
    expect(retryAfterOf("soon", now)).toBeUndefined();
    expect(retryAfterOf(null, now)).toBeUndefined();
  });

  it("20003 / HTTP 401 → not retryable, credentials rejected", async () => {
    stubFetch(jsonResponse(error20003, 401), new Response("Unauthorized", { status: 401 }));
    expect(await send()).toEqual({
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: "Twilio refused the Account SID and Auth Token: Authenticate (Twilio 20003)",
    });
    expect(await send()).toMatchObject({ ok: false, retryable: false, credentialsRejected: true });
  });

  it("5xx with a Twilio body, 5xx from a proxy, and a network error → retryable", async () => {
    stubFetch(jsonResponse(error20500, 500), new Response("<html>502 Bad Gateway</html>", { status: 502 }), new TypeError("Network connection lost."));
    expect(await send()).toEqual({ ok: false, retryable: true, reason: "An internal server error has occurred (Twilio 20500)" });
    expect(await send()).toEqual({ ok: false, retryable: true, reason: "Twilio answered HTTP 502" });
    expect(await send()).toEqual({ ok: false, retryable: true, reason: "network error: TypeError: Network connection lost." });
  });

  it("never puts the auth token in a reason", async () => {
    stubFetch(new TypeError(`connect failed with ${AUTH_TOKEN}`));
    const result = await send();
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(result)).not.toContain(AUTH_TOKEN);
  });

  it.each([
    ["21211 invalid To", error21211, "The 'To' number whatsapp:+90532 is not a valid phone number. (Twilio 21211)"],
    ["21617 body too long", error21617, "The concatenated message body exceeds the 1600 character limit. (Twilio 21617)"],
  ])("other 4xx (%s) → not retryable with Twilio's message", async (_, body, reason) => {
    stubFetch(jsonResponse(body, 400));
    expect(await send()).toEqual({ ok: false, retryable: false, reason });
  });

  it("a 4xx without a Twilio body → not retryable, naming the status", async () => {
    stubFetch(new Response("Not Found", { status: 404 }));
    expect(await send()).toEqual({ ok: false, retryable: false, reason: "Twilio answered HTTP 404" });
  });
});
