import { describe, expect, it } from "vitest";
import { setWebhook } from "../../../src/providers/telegram/api";
import unauthorized from "../../fixtures/telegram/error-401.json";
import setWebhookError from "../../fixtures/telegram/set-webhook-error.json";
import setWebhookOk from "../../fixtures/telegram/set-webhook-ok.json";
import { creds, jsonResponse, onlyRequest, settings, stubFetch } from "./fetch-stub";

const hookUrl = "https://hub.example.test/webhooks/telegram/acc_01";

describe("setWebhook", () => {
  it("POSTs url, secret_token and allowed_updates to setWebhook", async () => {
    const fetch = stubFetch(jsonResponse(setWebhookOk));
    expect(await setWebhook(creds, settings, hookUrl)).toEqual({ ok: true });
    expect(onlyRequest(fetch)).toEqual({
      url: `https://api.telegram.example/bot${creds.botToken}/setWebhook`,
      method: "POST",
      contentType: "application/json",
      body: { url: hookUrl, secret_token: creds.secretToken, allowed_updates: ["message", "edited_message"] },
    });
  });

  it("returns Telegram's description when it refuses", async () => {
    stubFetch(jsonResponse(setWebhookError, 400));
    expect(await setWebhook(creds, settings, "http://insecure.example")).toEqual({
      ok: false,
      reason: "Bad Request: bad webhook: HTTPS url must be provided for webhook",
    });
  });

  it("says the token was rejected on 401", async () => {
    stubFetch(jsonResponse(unauthorized, 401));
    expect(await setWebhook(creds, settings, hookUrl)).toEqual({ ok: false, reason: "Telegram refused the bot token (401 Unauthorized)" });
  });

  it("reports a network failure without the token", async () => {
    stubFetch(new TypeError(`connect failed for /bot${creds.botToken}/setWebhook`));
    const result = await setWebhook(creds, settings, hookUrl);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("network error") });
    expect(JSON.stringify(result)).not.toContain(creds.botToken);
  });
});
