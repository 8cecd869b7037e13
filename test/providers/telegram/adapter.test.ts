import { describe, expect, it } from "vitest";
import { adapterFor } from "../../../src/providers/registry";
import { telegramAdapter } from "../../../src/providers/telegram";
import type { WebhookRequest } from "../../../src/providers/types";
import privateText from "../../fixtures/telegram/private-text.json";
import sendOk from "../../fixtures/telegram/send-message-ok.json";
import { creds, jsonResponse, settings, stubFetch } from "./fetch-stub";
import { badRequestCode } from "../../helpers/errors";

const enc = new TextEncoder();
const ctx = { accountId: "acc_01", creds, settings, receiveUrl: "https://hub.example.test/webhooks/telegram/acc_01", now: 0 };
const request = (rawBody: Uint8Array): WebhookRequest => ({
  url: "https://hub.example.test/webhooks/telegram/acc_01",
  method: "POST",
  headers: new Headers({ "X-Telegram-Bot-Api-Secret-Token": creds.secretToken }),
  rawBody,
});

const code = badRequestCode;

describe("telegramAdapter", () => {
  it("is what the registry returns for telegram", () => {
    expect(adapterFor("telegram")).toBe(telegramAdapter);
  });

  it("decodes the raw UTF-8 body and normalizes it", async () => {
    const req = request(enc.encode(JSON.stringify(privateText)));
    expect(await telegramAdapter.authenticate(req, ctx)).toEqual({ ok: true });
    expect(telegramAdapter.normalize(req, ctx)).toEqual([
      expect.objectContaining({ kind: "message", providerMessageId: "412345678:1024", text: "Merhaba, siparişim nerede? 📦" }),
    ]);
  });

  it("answers malformed_json for invalid JSON and invalid UTF-8, malformed_payload for JSON that is no Update", () => {
    expect(code(() => telegramAdapter.normalize(request(enc.encode('{"update_id":1,')), ctx))).toBe("malformed_json");
    expect(code(() => telegramAdapter.normalize(request(new Uint8Array([0x7b, 0xff, 0x7d])), ctx))).toBe("malformed_json");
    expect(code(() => telegramAdapter.normalize(request(enc.encode('{"ok":true}')), ctx))).toBe("malformed_payload");
  });

  it("validates credentials and fills the default API base URL", () => {
    expect(telegramAdapter.settingsSchema.parse({})).toEqual({ apiBaseUrl: "https://api.telegram.org" });
    expect(telegramAdapter.credentialsSchema.safeParse({ botToken: "nope", secretToken: "x" }).success).toBe(false);
  });

  it("sends through the adapter", async () => {
    stubFetch(jsonResponse(sendOk));
    expect(await telegramAdapter.send({ kind: "text", to: "412345678", text: "hi", messageId: 1 }, { ...ctx, lastInboundAt: null })).toEqual({
      ok: true,
      providerMessageId: "412345678:1041",
    });
  });
});
