import { describe, expect, it } from "vitest";
import { authenticateConnexease, connexeaseSignature } from "../../../src/providers/connexease/authenticate";
import type { WebhookRequest } from "../../../src/providers/types";
import messageText from "../../fixtures/connexease/message-text.json";
import { CHANNEL, creds } from "./helpers";

const enc = new TextEncoder();

function request(rawBody: Uint8Array, headers: Record<string, string>): WebhookRequest {
  return { url: "https://hub.example.test/webhooks/connexease/k1", method: "POST", headers: new Headers(headers), rawBody };
}

/** A signature of the same length as `sig` that differs in one character. */
function sameLengthWrong(sig: string): string {
  const i = 5;
  const wrong = sig.slice(0, i) + (sig[i] === "A" ? "B" : "A") + sig.slice(i + 1);
  expect(wrong).toHaveLength(sig.length);
  expect(wrong).not.toBe(sig);
  return wrong;
}

describe("connexeaseSignature", () => {
  it("is base64 of HMAC-SHA256 (RFC 4231 test case 2)", async () => {
    // key "Jefe", data "what do ya want for nothing?" → 5bdcc146bf60754e…64ec3843 in hex.
    expect(await connexeaseSignature("Jefe", "what do ya want for nothing?")).toBe("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  });

  it("matches an independent computation over a channel uuid with a non-ASCII key", async () => {
    // node -e 'crypto.createHmac("sha256", "whsec-test-Çok-gizli-1234").update(CHANNEL).digest("base64")'
    expect(await connexeaseSignature(creds.webhookSecret, CHANNEL)).toBe("ckV3MZmgdsjCMweWB5q6M9jSb76Z5RGTELYHiJg941I=");
  });
});

describe("authenticateConnexease: raw_body", () => {
  const mode = { signatureMode: "raw_body" } as const;
  // Non-ASCII sent as raw UTF-8, with the spacing Connexease chose: the bytes are what is signed.
  const raw = enc.encode(JSON.stringify(messageText, null, 1));

  it("accepts base64 HMAC-SHA256 of the raw bytes (header name case-insensitive)", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, raw);
    expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBeNull();
    expect(await authenticateConnexease(request(raw, { "x-connexease-webhook-sign": sig }), creds, mode)).toBeNull();
  });

  it("rejects the signature of the same JSON re-serialized (different bytes)", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, JSON.stringify(messageText));
    expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBe("signature mismatch");
  });

  it("rejects a channel-uuid signature in raw_body mode", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, CHANNEL);
    expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBe("signature mismatch");
  });

  it("reports a missing or empty header", async () => {
    expect(await authenticateConnexease(request(raw, {}), creds, mode)).toBe("missing X-Connexease-Webhook-Sign");
    expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": " " }), creds, mode)).toBe("missing X-Connexease-Webhook-Sign");
  });

  it("rejects a wrong signature of the same length, one under another secret, a prefix, and the secret itself", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, raw);
    for (const wrong of [sameLengthWrong(sig), await connexeaseSignature("another-secret", raw), sig.slice(0, -1), creds.webhookSecret]) {
      expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": wrong }), creds, mode)).toBe("signature mismatch");
    }
  });

  it("rejects a body changed after signing", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, raw);
    const tampered = enc.encode(JSON.stringify(messageText, null, 1).replace("siparişim", "siparisim"));
    expect(await authenticateConnexease(request(tampered, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBe("signature mismatch");
  });
});

describe("authenticateConnexease: channel_uuid", () => {
  const mode = { signatureMode: "channel_uuid" } as const;
  const raw = enc.encode(JSON.stringify(messageText));

  it("accepts base64 HMAC-SHA256 of the payload's channel.uuid", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, CHANNEL);
    expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBeNull();
  });

  it("rejects a raw-body signature, a same-length wrong one, and one under another secret", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, CHANNEL);
    for (const wrong of [await connexeaseSignature(creds.webhookSecret, raw), sameLengthWrong(sig), await connexeaseSignature("x", CHANNEL)]) {
      expect(await authenticateConnexease(request(raw, { "X-Connexease-Webhook-Sign": wrong }), creds, mode)).toBe("signature mismatch");
    }
  });

  it("rejects the signature of another channel's uuid", async () => {
    const other = enc.encode(JSON.stringify({ ...messageText, channel: { uuid: "00000000-1111-2222-3333-444444444444" } }));
    const sig = await connexeaseSignature(creds.webhookSecret, CHANNEL);
    expect(await authenticateConnexease(request(other, { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBe("signature mismatch");
  });

  it("reports a missing header, and a body without a readable channel.uuid", async () => {
    const sig = await connexeaseSignature(creds.webhookSecret, CHANNEL);
    expect(await authenticateConnexease(request(raw, {}), creds, mode)).toBe("missing X-Connexease-Webhook-Sign");
    for (const body of ['{"hook":"message.created"', '{"hook":"x","channel":{}}', '{"channel":{"uuid":7}}', "[]", "null"]) {
      expect(await authenticateConnexease(request(enc.encode(body), { "X-Connexease-Webhook-Sign": sig }), creds, mode)).toBe(
        "no channel.uuid in the body to check the signature against",
      );
    }
  });
});
