import { describe, expect, it } from "vitest";
import { authenticateTelegram } from "../../../src/providers/telegram/authenticate";
import type { WebhookRequest } from "../../../src/providers/types";
import { creds } from "./fetch-stub";

function request(headers: Record<string, string>): WebhookRequest {
  return { url: "https://hub.example.test/webhooks/telegram/acc_01", method: "POST", headers: new Headers(headers), rawBody: new Uint8Array() };
}

describe("authenticateTelegram", () => {
  it("accepts the secret token (header names are case-insensitive)", async () => {
    expect(await authenticateTelegram(request({ "X-Telegram-Bot-Api-Secret-Token": creds.secretToken }), creds)).toBeNull();
    expect(await authenticateTelegram(request({ "x-telegram-bot-api-secret-token": creds.secretToken }), creds)).toBeNull();
  });

  it("reports a missing header", async () => {
    expect(await authenticateTelegram(request({}), creds)).toBe("missing X-Telegram-Bot-Api-Secret-Token");
  });

  it("rejects a wrong secret of the same length, a prefix, and a longer one", async () => {
    const sameLength = creds.secretToken.slice(0, -1) + (creds.secretToken.endsWith("3") ? "4" : "3");
    expect(sameLength).toHaveLength(creds.secretToken.length);
    for (const wrong of [sameLength, creds.secretToken.slice(0, -1), `${creds.secretToken}x`]) {
      expect(await authenticateTelegram(request({ "X-Telegram-Bot-Api-Secret-Token": wrong }), creds)).toBe("secret token mismatch");
    }
  });
});
