import { describe, expect, it } from "vitest";
import { adapterFor } from "../../../src/providers/registry";
import { EMPTY_TWIML, REPLY_WINDOW_MS, twilioAdapter, twilioReplyWindow } from "../../../src/providers/twilio";
import type { WebhookRequest } from "../../../src/providers/types";
import sendOk from "../../fixtures/twilio/send-message-ok.json";
import textRaw from "../../fixtures/twilio/inbound-text.form.txt?raw";
import text from "../../fixtures/twilio/inbound-text.json";
import { ACCOUNT_SID, AUTH_TOKEN, creds, FROM, jsonResponse, onlyRequest, settings, sign, stubFetch } from "./helpers";
import { badRequestCode } from "../../helpers/errors";

const enc = new TextEncoder();
const URL_ = "https://hub.example.test/webhooks/twilio/acct-key";
const ctx = { accountId: "acc_01", creds, settings, receiveUrl: URL_, now: 1_790_000_000_000 };

const request = (rawBody: Uint8Array, signature?: string): WebhookRequest => ({
  url: URL_,
  method: "POST",
  headers: new Headers(signature === undefined ? {} : { "X-Twilio-Signature": signature }),
  rawBody,
});

const code = badRequestCode;

describe("twilioAdapter", () => {
  it("is what the registry returns for twilio", () => {
    expect(adapterFor("twilio")).toBe(twilioAdapter);
  });

  it("authenticates and normalizes the raw body exactly as Twilio posts it (percent-encoded UTF-8)", async () => {
    const req = request(enc.encode(textRaw.trim()), await sign(URL_, text));
    expect(await twilioAdapter.authenticate(req, ctx)).toEqual({ ok: true });
    expect(twilioAdapter.normalize(req, ctx)).toEqual([
      expect.objectContaining({ kind: "message", providerMessageId: text.MessageSid, text: "Merhaba, siparişim nerede? 📦 Şu an İstanbul'dayım.", sentAt: ctx.now }),
    ]);
  });

  it("refuses a missing or wrong signature", async () => {
    const raw = enc.encode(textRaw.trim());
    expect(await twilioAdapter.authenticate(request(raw), ctx)).toEqual({ ok: false, reason: "missing X-Twilio-Signature" });
    expect(await twilioAdapter.authenticate(request(raw, await sign(URL_, text, "f".repeat(32))), ctx)).toEqual({ ok: false, reason: "signature mismatch" });
  });

  it("answers malformed_json for bytes that are not UTF-8 or escapes that do not decode, malformed_payload for a form that is no webhook", () => {
    expect(code(() => twilioAdapter.normalize(request(new Uint8Array([0x42, 0x6f, 0x64, 0x79, 0x3d, 0xff])), ctx))).toBe("malformed_json");
    expect(code(() => twilioAdapter.normalize(request(enc.encode(`MessageSid=SM1&AccountSid=${ACCOUNT_SID}&Body=%E0%A4%A`)), ctx))).toBe("malformed_json");
    expect(code(() => twilioAdapter.normalize(request(enc.encode("Body=%C3%28")), ctx))).toBe("malformed_json");
    expect(code(() => twilioAdapter.normalize(request(enc.encode("Body=hello&From=whatsapp%3A%2B1")), ctx))).toBe("malformed_payload");
    expect(code(() => twilioAdapter.normalize(request(enc.encode('{"MessageSid":"SM1"}')), ctx))).toBe("malformed_payload");
  });

  it("reads the first value of a repeated parameter", () => {
    const body = `MessageSid=SM1&AccountSid=${ACCOUNT_SID}&From=whatsapp%3A%2B905321234567&Body=bir&Body=iki`;
    expect(twilioAdapter.normalize(request(enc.encode(body)), ctx)).toEqual([expect.objectContaining({ kind: "message", text: "bir" })]);
  });

  it("acknowledges with empty TwiML as text/xml, whatever the events", async () => {
    for (const events of [[], [{ kind: "ignored" as const, eventKey: "x", description: "y" }]]) {
      const res = twilioAdapter.acknowledge!(events);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/xml; charset=utf-8");
      expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    }
    expect(EMPTY_TWIML).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  it("validates settings and credentials, and fills the default API base URL", () => {
    expect(twilioAdapter.settingsSchema.parse({ accountSid: ACCOUNT_SID, from: FROM })).toEqual({ accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: "https://api.twilio.com" });
    for (const bad of [
      { accountSid: "AC123", from: FROM },
      { accountSid: ACCOUNT_SID, from: "+14155238886" },
      { accountSid: ACCOUNT_SID, from: "whatsapp:14155238886" },
      { accountSid: ACCOUNT_SID, from: FROM, extra: 1 },
    ]) {
      expect(twilioAdapter.settingsSchema.safeParse(bad).success).toBe(false);
    }
    expect(twilioAdapter.credentialsSchema.parse({ authToken: AUTH_TOKEN })).toEqual({ authToken: AUTH_TOKEN });
    expect(twilioAdapter.credentialsSchema.safeParse({ authToken: "short" }).success).toBe(false);
    expect(twilioAdapter.credentialsSchema.safeParse({}).success).toBe(false);
    expect(twilioAdapter.generatedCredentials).toBeUndefined();
  });

  it("sends through the adapter with the receive URL as StatusCallback", async () => {
    const fetch = stubFetch(jsonResponse(sendOk, 201));
    expect(await twilioAdapter.send({ kind: "text", to: "whatsapp:+905321234567", text: "Merhaba", messageId: 1 }, { ...ctx, lastInboundAt: ctx.now })).toEqual({
      ok: true,
      providerMessageId: sendOk.sid,
    });
    expect(onlyRequest(fetch).form.StatusCallback).toBe(URL_);
  });
});

describe("twilioReplyWindow", () => {
  const last = 1_790_000_000_000;

  it("is open for 24 hours after the customer's last message, and says until when", () => {
    expect(twilioReplyWindow(last, last)).toEqual({ open: true, closesAt: last + REPLY_WINDOW_MS });
    expect(twilioReplyWindow(last, last + REPLY_WINDOW_MS - 1)).toEqual({ open: true, closesAt: last + 24 * 3600_000 });
  });

  it("is closed from the 24th hour on, with the reason agents see", () => {
    expect(twilioReplyWindow(last, last + REPLY_WINDOW_MS)).toEqual({
      open: false,
      closesAt: last + REPLY_WINDOW_MS,
      reason: "outside WhatsApp's 24-hour window: a template is needed",
    });
  });

  it("is closed when the customer never wrote", () => {
    expect(twilioReplyWindow(null, last)).toMatchObject({ open: false, closesAt: null, reason: expect.stringContaining("24-hour window") });
  });

  it("is what the adapter reports", () => {
    expect(twilioAdapter.replyWindow!(settings, last, last + 1)).toEqual(twilioReplyWindow(last, last + 1));
  });
});
