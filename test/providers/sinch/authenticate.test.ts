import { describe, expect, it } from "vitest";
import { authenticateSinch, signedData, sinchSignature } from "../../../src/providers/sinch/authenticate";
import type { WebhookRequest } from "../../../src/providers/types";
import vector from "../../fixtures/sinch/signature-vector.json";
import inboundText from "../../fixtures/sinch/inbound-text.json";
import { creds, settings, signedHeaders } from "./helpers";

const enc = new TextEncoder();
const NOW = 1_768_382_143_000; // 2026-01-14T09:15:43Z
const TS = Math.floor(NOW / 1000);

function request(rawBody: Uint8Array, headers: Record<string, string>): WebhookRequest {
  return { url: "https://hub.example.test/webhooks/sinch/k", method: "POST", headers: new Headers(headers), rawBody };
}

async function check(rawBody: Uint8Array, headers: Record<string, string>, now = NOW) {
  return authenticateSinch(request(rawBody, headers), creds, settings, now);
}

describe("sinchSignature: Sinch's published test vector", () => {
  it("reproduces the signature Sinch's SDKs check for foo_secret1234", async () => {
    expect(await sinchSignature(vector.secret, enc.encode(vector.body), vector.nonce, vector.timestamp)).toBe(vector.signature);
  });

  it("accepts the vector's request when the clock is at its timestamp, with the nonce as replay key", async () => {
    const headers = {
      "x-sinch-webhook-signature": vector.signature,
      "x-sinch-webhook-signature-timestamp": vector.timestamp,
      "x-sinch-webhook-signature-nonce": vector.nonce,
      "x-sinch-webhook-signature-algorithm": vector.algorithm,
    };
    const result = await authenticateSinch(request(enc.encode(vector.body), headers), { webhookSecret: vector.secret }, settings, Number(vector.timestamp) * 1000 + 4000);
    expect(result).toEqual({ ok: true, replayKey: vector.nonce });
  });

  it("signs body, nonce and timestamp in that order, dot-separated, over the raw bytes", () => {
    const body = new Uint8Array([0x7b, 0xc3, 0xbc, 0x7d]); // {ü} as UTF-8
    expect(Array.from(signedData(body, "n1", "42"))).toEqual([...body, ...enc.encode(".n1.42")]);
  });
});

describe("authenticateSinch", () => {
  const raw = enc.encode(JSON.stringify(inboundText));

  it("accepts a correctly signed callback with Turkish text and emoji in the raw body", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS, nonce: "01HQ80A3NONCE" });
    expect(await check(raw, headers)).toEqual({ ok: true, replayKey: "01HQ80A3NONCE" });
  });

  it("checks the bytes as sent: escaped and unescaped spellings of the same JSON sign differently", async () => {
    const escaped = enc.encode('{"text":"sipari\\u015fim"}');
    const plain = enc.encode('{"text":"siparişim"}');
    const headers = await signedHeaders(escaped, { timestamp: TS });
    expect((await check(escaped, headers)).ok).toBe(true);
    expect(await check(plain, headers)).toEqual({ ok: false, reason: "signature mismatch" });
  });

  for (const header of [
    "x-sinch-webhook-signature",
    "x-sinch-webhook-signature-timestamp",
    "x-sinch-webhook-signature-nonce",
    "x-sinch-webhook-signature-algorithm",
  ]) {
    it(`refuses a callback without ${header}`, async () => {
      const headers = await signedHeaders(raw, { timestamp: TS });
      delete headers[header];
      expect(await check(raw, headers)).toEqual({ ok: false, reason: `missing ${header}` });
    });
  }

  it("refuses an algorithm other than HmacSHA256, even with a matching signature", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS, algorithm: "HmacSHA512" });
    const result = await check(raw, headers);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("unsupported signature algorithm") });
  });

  it("refuses a signature made with another secret", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS, secret: "another-secret" });
    expect(await check(raw, headers)).toEqual({ ok: false, reason: "signature mismatch" });
  });

  it("refuses a wrong signature of the same length", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS });
    const good = headers["x-sinch-webhook-signature"]!;
    const flipped = (good[0] === "A" ? "B" : "A") + good.slice(1);
    expect(flipped).toHaveLength(good.length);
    expect(await check(raw, { ...headers, "x-sinch-webhook-signature": flipped })).toEqual({ ok: false, reason: "signature mismatch" });
  });

  it("refuses a body changed after signing, and a nonce or timestamp other than the signed one", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS, nonce: "nonce-a" });
    expect((await check(enc.encode(JSON.stringify(inboundText) + " "), headers)).ok).toBe(false);
    expect((await check(raw, { ...headers, "x-sinch-webhook-signature-nonce": "nonce-b" })).ok).toBe(false);
    expect((await check(raw, { ...headers, "x-sinch-webhook-signature-timestamp": String(TS + 1) })).ok).toBe(false);
  });

  it("refuses a timestamp that is not unix seconds", async () => {
    const headers = await signedHeaders(raw, { timestamp: "2026-01-14T09:15:43Z" });
    expect(await check(raw, headers)).toMatchObject({ ok: false, reason: expect.stringContaining("not unix seconds") });
  });

  it("accepts a timestamp up to maxSkewS away and refuses one further, either way", async () => {
    for (const offset of [-300, 300]) {
      expect((await check(raw, await signedHeaders(raw, { timestamp: TS + offset }))).ok).toBe(true);
    }
    for (const offset of [-301, 301, -86_400]) {
      const result = await check(raw, await signedHeaders(raw, { timestamp: TS + offset }));
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("stale signature timestamp") });
    }
  });

  it("honours a narrower maxSkewS", async () => {
    const headers = await signedHeaders(raw, { timestamp: TS - 61 });
    expect(await authenticateSinch(request(raw, headers), creds, { maxSkewS: 60 }, NOW)).toMatchObject({ ok: false });
    expect(await authenticateSinch(request(raw, headers), creds, { maxSkewS: 61 }, NOW)).toMatchObject({ ok: true });
  });
});
