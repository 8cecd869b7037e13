import { describe, expect, it } from "vitest";
import { adapterFor } from "../../../src/providers/registry";
import { sinchAdapter } from "../../../src/providers/sinch";
import { WINDOW_MS } from "../../../src/providers/sinch/window";
import type { WebhookRequest } from "../../../src/providers/types";
import composing from "../../fixtures/sinch/event-inbound-composing.json";
import inboundText from "../../fixtures/sinch/inbound-text.json";
import sendOk from "../../fixtures/sinch/send-ok.json";
import tokenOk from "../../fixtures/sinch/token-ok.json";
import { APP_ID, creds, jsonResponse, PROJECT_ID, settings, signedHeaders, stubFetch } from "./helpers";
import { badRequestCode } from "../../helpers/errors";

const enc = new TextEncoder();
const NOW = Date.UTC(2026, 0, 14, 9, 15, 45);
const ctx = { accountId: "acc_sinch", creds, settings, receiveUrl: "https://hub.example.test/webhooks/sinch/k", now: NOW };
const request = (rawBody: Uint8Array, headers: Record<string, string> = {}): WebhookRequest => ({
  url: ctx.receiveUrl,
  method: "POST",
  headers: new Headers(headers),
  rawBody,
});

const code = badRequestCode;

describe("sinchAdapter", () => {
  it("is what the registry returns for sinch", () => {
    expect(adapterFor("sinch")).toBe(sinchAdapter);
  });

  it("authenticates against ctx.now and the account's secret, then normalizes the raw UTF-8 body", async () => {
    const raw = enc.encode(JSON.stringify(inboundText));
    const req = request(raw, await signedHeaders(raw, { timestamp: Math.floor(NOW / 1000), nonce: "n-1" }));
    expect(await sinchAdapter.authenticate(req, ctx)).toEqual({ ok: true, replayKey: "n-1" });
    expect(await sinchAdapter.authenticate(req, { ...ctx, now: NOW + 301_000 })).toMatchObject({ ok: false });
    expect(sinchAdapter.normalize(req, ctx)).toEqual([
      expect.objectContaining({ kind: "message", providerMessageId: "01HQ80A3R7Y1T5K9W2N4B6M8CD", text: "Merhaba, siparişim nerede? Kargo takip numarası çalışmıyor 📦🙏" }),
    ]);
  });

  it("keys an ignored callback by the request's nonce header", async () => {
    const raw = enc.encode(JSON.stringify(composing));
    expect(sinchAdapter.normalize(request(raw, { "x-sinch-webhook-signature-nonce": "01NONCE" }), ctx)).toEqual([
      { kind: "ignored", eventKey: "event:nonce:01NONCE", description: "event callback" },
    ]);
  });

  it("answers malformed_json for invalid JSON and invalid UTF-8, malformed_payload for JSON that is no callback", () => {
    expect(code(() => sinchAdapter.normalize(request(enc.encode('{"app_id":"x",')), ctx))).toBe("malformed_json");
    expect(code(() => sinchAdapter.normalize(request(new Uint8Array([0x7b, 0xff, 0x7d])), ctx))).toBe("malformed_json");
    expect(code(() => sinchAdapter.normalize(request(enc.encode('{"message":{"id":"x"}}')), ctx))).toBe("malformed_payload");
  });

  it("fills settings defaults and validates them", () => {
    expect(sinchAdapter.settingsSchema.parse({ projectId: PROJECT_ID, appId: APP_ID })).toEqual({
      projectId: PROJECT_ID,
      appId: APP_ID,
      region: "eu",
      authUrl: "https://auth.sinch.com/oauth2/token",
      maxSkewS: 300,
    });
    expect(sinchAdapter.settingsSchema.safeParse({ projectId: PROJECT_ID, appId: APP_ID, region: "ap" }).success).toBe(false);
    expect(sinchAdapter.settingsSchema.safeParse({ projectId: PROJECT_ID }).success).toBe(false);
    expect(sinchAdapter.settingsSchema.safeParse({ projectId: PROJECT_ID, appId: APP_ID, apiBaseUrl: "not a url" }).success).toBe(false);
    // Wider than the hub keeps nonces (15 min) would let a replay through.
    expect(sinchAdapter.settingsSchema.safeParse({ projectId: PROJECT_ID, appId: APP_ID, maxSkewS: 901 }).success).toBe(false);
  });

  it("requires the access key, and generates a webhook secret when omitted", () => {
    const generated = sinchAdapter.generatedCredentials!();
    expect(generated.webhookSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(sinchAdapter.generatedCredentials!().webhookSecret).not.toBe(generated.webhookSecret);
    expect(sinchAdapter.credentialsSchema.safeParse({ ...generated, keyId: "k", keySecret: "s" }).success).toBe(true);
    expect(sinchAdapter.credentialsSchema.safeParse({ ...generated, keyId: "k" }).success).toBe(false);
    expect(sinchAdapter.credentialsSchema.safeParse({ ...generated, keyId: "k", keySecret: "s", botToken: "x" }).success).toBe(false);
  });

  it("sends through the adapter", async () => {
    stubFetch(jsonResponse(tokenOk), jsonResponse(sendOk));
    expect(await sinchAdapter.send({ kind: "text", to: "905321234567", text: "Merhaba", messageId: 1 }, { ...ctx, lastInboundAt: NOW })).toEqual({
      ok: true,
      providerMessageId: sendOk.message_id,
    });
  });
});

describe("sinchAdapter.replyWindow: WhatsApp's 24 hours", () => {
  const window = (last: number | null, now: number) => sinchAdapter.replyWindow!(settings, last, now);

  it("is open until 24 h after the customer's last message", () => {
    expect(window(NOW, NOW)).toEqual({ open: true, closesAt: NOW + WINDOW_MS });
    expect(window(NOW, NOW + WINDOW_MS - 1)).toEqual({ open: true, closesAt: NOW + WINDOW_MS });
  });

  it("is closed at 24 h and after, with a reason naming the window", () => {
    const closed = window(NOW, NOW + WINDOW_MS);
    expect(closed).toMatchObject({ open: false, closesAt: NOW + WINDOW_MS });
    expect(closed.reason).toMatch(/^outside WhatsApp's 24-hour window/);
    expect(window(NOW, NOW + 3 * WINDOW_MS).open).toBe(false);
  });

  it("is closed when the customer never wrote", () => {
    expect(window(null, NOW)).toMatchObject({ open: false, closesAt: null, reason: expect.stringContaining("24-hour window") });
  });
});
