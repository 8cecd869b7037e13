import { describe, expect, it } from "vitest";
import { bodyDigest, connexeaseAdapter, connexeaseSignature } from "../../../src/providers/connexease";
import { adapterFor } from "../../../src/providers/registry";
import type { WebhookRequest } from "../../../src/providers/types";
import conversationAssigned from "../../fixtures/connexease/conversation-assigned.json";
import loginOk from "../../fixtures/connexease/login-ok.json";
import messageText from "../../fixtures/connexease/message-text.json";
import replyOk from "../../fixtures/connexease/reply-ok.json";
import { CONVERSATION, creds, jsonResponse, settings, stubFetch } from "./helpers";
import { badRequestCode } from "../../helpers/errors";

const enc = new TextEncoder();
const ctx = { accountId: "acc_01", creds, settings, receiveUrl: "https://hub.example.test/webhooks/connexease/acc_01", now: 1_800_000_000_000 };
const request = async (rawBody: Uint8Array): Promise<WebhookRequest> => ({
  url: ctx.receiveUrl,
  method: "POST",
  headers: new Headers({ "X-Connexease-Webhook-Sign": await connexeaseSignature(creds.webhookSecret, rawBody) }),
  rawBody,
});

const code = badRequestCode;

describe("connexeaseAdapter", () => {
  it("is what the registry returns for connexease", () => {
    expect(adapterFor("connexease")).toBe(connexeaseAdapter);
  });

  it("authenticates and normalizes the raw UTF-8 body", async () => {
    const req = await request(enc.encode(JSON.stringify(messageText)));
    expect(await connexeaseAdapter.authenticate(req, ctx)).toEqual({ ok: true });
    expect(connexeaseAdapter.normalize(req, ctx)).toEqual([
      expect.objectContaining({ kind: "message", providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c01", text: "Merhaba, siparişim nerede? 📦" }),
    ]);
  });

  it("answers 401-worthy reasons for a bad signature", async () => {
    const req = await request(enc.encode(JSON.stringify(messageText)));
    req.headers.set("X-Connexease-Webhook-Sign", await connexeaseSignature("wrong", req.rawBody));
    expect(await connexeaseAdapter.authenticate(req, ctx)).toEqual({ ok: false, reason: "signature mismatch" });
  });

  it("keys an event without an id by a digest of the raw body: same bytes, same key", async () => {
    const raw = enc.encode(JSON.stringify(conversationAssigned));
    const [a] = connexeaseAdapter.normalize(await request(raw), ctx);
    const [b] = connexeaseAdapter.normalize(await request(raw.slice()), ctx);
    const [c] = connexeaseAdapter.normalize(await request(enc.encode(JSON.stringify({ ...conversationAssigned, payload: { uuid: "other" } }))), ctx);
    expect(a).toEqual({ kind: "ignored", eventKey: `conversation.assigned:${bodyDigest(raw)}`, description: "conversation.assigned event" });
    expect(b!.eventKey).toBe(a!.eventKey);
    expect(c!.eventKey).not.toBe(a!.eventKey);
    expect(bodyDigest(raw)).toMatch(/^[0-9a-f]{28}$/);
  });

  it("answers malformed_json for invalid JSON and invalid UTF-8, malformed_payload for JSON that is no webhook", async () => {
    expect(code(() => connexeaseAdapter.normalize({ ...ctxReq, rawBody: enc.encode('{"hook":') }, ctx))).toBe("malformed_json");
    expect(code(() => connexeaseAdapter.normalize({ ...ctxReq, rawBody: new Uint8Array([0x7b, 0xff, 0x7d]) }, ctx))).toBe("malformed_json");
    expect(code(() => connexeaseAdapter.normalize({ ...ctxReq, rawBody: enc.encode('{"ok":true}') }, ctx))).toBe("malformed_payload");
  });

  it("generates a webhook secret and validates credentials strictly", () => {
    const generated = connexeaseAdapter.generatedCredentials!();
    expect(generated.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(connexeaseAdapter.generatedCredentials!().webhookSecret).not.toBe(generated.webhookSecret);
    expect(connexeaseAdapter.credentialsSchema.safeParse({ ...creds }).success).toBe(true);
    expect(connexeaseAdapter.credentialsSchema.safeParse({ username: "u", password: "" , webhookSecret: "s" }).success).toBe(false);
    expect(connexeaseAdapter.credentialsSchema.safeParse({ ...creds, token: "x" }).success).toBe(false);
  });

  it("has no reply window of its own (Connexease enforces the channel's)", () => {
    expect(connexeaseAdapter.replyWindow).toBeUndefined();
  });

  it("sends through the adapter", async () => {
    stubFetch(jsonResponse(loginOk), jsonResponse(replyOk, 201));
    expect(await connexeaseAdapter.send({ kind: "text", to: CONVERSATION, text: "hi", messageId: 1 }, { ...ctx, lastInboundAt: null })).toEqual({
      ok: true,
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c20",
    });
  });
});

const ctxReq: WebhookRequest = { url: ctx.receiveUrl, method: "POST", headers: new Headers(), rawBody: new Uint8Array() };
