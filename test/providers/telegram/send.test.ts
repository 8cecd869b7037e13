import { describe, expect, it } from "vitest";
import { MAX_TEXT_LENGTH, sendTelegram } from "../../../src/providers/telegram/send";
import editOk from "../../fixtures/telegram/edit-message-ok.json";
import chatNotFound from "../../fixtures/telegram/error-400-chat-not-found.json";
import notModified from "../../fixtures/telegram/error-400-not-modified.json";
import unauthorized from "../../fixtures/telegram/error-401.json";
import blocked from "../../fixtures/telegram/error-403-blocked.json";
import notFound from "../../fixtures/telegram/error-404.json";
import tooMany from "../../fixtures/telegram/error-429.json";
import badGateway from "../../fixtures/telegram/error-502.json";
import sendOk from "../../fixtures/telegram/send-message-ok.json";
import { creds, jsonResponse, onlyRequest, settings, stubFetch } from "./fetch-stub";

const base = `https://api.telegram.example/bot${creds.botToken}`;
const text = "Siparişiniz yarın teslim edilecek 🚚";

describe("sendTelegram: text", () => {
  it("POSTs sendMessage with a numeric chat_id and returns <chat id>:<message id>", async () => {
    const fetch = stubFetch(jsonResponse(sendOk));
    const result = await sendTelegram({ kind: "text", to: "412345678", text, messageId: 1 }, creds, settings);
    expect(result).toEqual({ ok: true, providerMessageId: "412345678:1041" });
    expect(onlyRequest(fetch)).toEqual({
      url: `${base}/sendMessage`,
      method: "POST",
      contentType: "application/json",
      body: { chat_id: 412345678, text },
    });
  });

  it("keeps a negative numeric chat id a number and a @username a string", async () => {
    const group = stubFetch(jsonResponse({ ok: true, result: { message_id: 5, chat: { id: -1001234567890 } } }));
    expect(await sendTelegram({ kind: "text", to: "-1001234567890", text: "x", messageId: 1 }, creds, settings)).toEqual({
      ok: true,
      providerMessageId: "-1001234567890:5",
    });
    expect(onlyRequest(group).body).toEqual({ chat_id: -1001234567890, text: "x" });

    const channel = stubFetch(jsonResponse({ ok: true, result: { message_id: 6, chat: { id: -1001 } } }));
    await sendTelegram({ kind: "text", to: "@kampanyalar", text: "x", messageId: 1 }, creds, settings);
    expect(onlyRequest(channel).body).toEqual({ chat_id: "@kampanyalar", text: "x" });
  });

  it("tolerates a trailing slash on the base URL", async () => {
    const fetch = stubFetch(jsonResponse(sendOk));
    await sendTelegram({ kind: "text", to: "1", text: "x", messageId: 1 }, creds, { apiBaseUrl: "http://localhost:8081/" });
    expect(onlyRequest(fetch).url).toBe(`http://localhost:8081/bot${creds.botToken}/sendMessage`);
  });

  it("does not ask for a retry when Telegram accepted the message but the answer lacks its id", async () => {
    stubFetch(jsonResponse({ ok: true, result: true }));
    expect(await sendTelegram({ kind: "text", to: "1", text: "x", messageId: 1 }, creds, settings)).toMatchObject({ ok: false, retryable: false });
  });
});

describe("sendTelegram: length limit (Unicode code points)", () => {
  it("sends 4096 emoji (8192 UTF-16 units) because Telegram counts code points", async () => {
    const fetch = stubFetch(jsonResponse(sendOk));
    const result = await sendTelegram({ kind: "text", to: "1", text: "📦".repeat(MAX_TEXT_LENGTH), messageId: 1 }, creds, settings);
    expect(result.ok).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("refuses 4097 characters before any fetch, for sends and edits", async () => {
    const fetch = stubFetch();
    const long = "ş".repeat(MAX_TEXT_LENGTH + 1);
    for (const out of [
      { kind: "text", to: "1", text: long, messageId: 1 } as const,
      { kind: "edit", to: "1", providerMessageId: "1:2", text: long, messageId: 1 } as const,
    ]) {
      const result = await sendTelegram(out, creds, settings);
      expect(result).toEqual({ ok: false, retryable: false, reason: expect.stringContaining("4097") });
    }
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("sendTelegram: edit", () => {
  const edit = { kind: "edit", to: "412345678", providerMessageId: "412345678:1041", text: "Siparişiniz bugün teslim edilecek 🚚", messageId: 1 } as const;

  it("POSTs editMessageText with the numeric message id and keeps the original id", async () => {
    const fetch = stubFetch(jsonResponse(editOk));
    expect(await sendTelegram(edit, creds, settings)).toEqual({ ok: true, providerMessageId: "412345678:1041" });
    expect(onlyRequest(fetch)).toEqual({
      url: `${base}/editMessageText`,
      method: "POST",
      contentType: "application/json",
      body: { chat_id: 412345678, message_id: 1041, text: edit.text },
    });
  });

  it("treats 400 'message is not modified' as success", async () => {
    stubFetch(jsonResponse(notModified, 400));
    expect(await sendTelegram(edit, creds, settings)).toEqual({ ok: true, providerMessageId: "412345678:1041" });
  });

  it("refuses a provider message id that is not <chat id>:<message id>, before any fetch", async () => {
    const fetch = stubFetch();
    for (const providerMessageId of ["1041", "412345678:", "412345678:abc"]) {
      expect(await sendTelegram({ ...edit, providerMessageId }, creds, settings)).toMatchObject({ ok: false, retryable: false });
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it("fails a 400 other than 'not modified' on an edit", async () => {
    stubFetch(jsonResponse({ ok: false, error_code: 400, description: "Bad Request: message to edit not found" }, 400));
    expect(await sendTelegram(edit, creds, settings)).toEqual({
      ok: false,
      retryable: false,
      reason: "Bad Request: message to edit not found",
    });
  });
});

describe("sendTelegram: errors", () => {
  const out = { kind: "text", to: "412345678", text: "merhaba", messageId: 1 } as const;

  it("429 → retryable with retry_after", async () => {
    stubFetch(jsonResponse(tooMany, 429));
    expect(await sendTelegram(out, creds, settings)).toEqual({
      ok: false,
      retryable: true,
      retryAfterS: 17,
      reason: "Too Many Requests: retry after 17",
    });
  });

  it("429 without parameters → retryable without a delay", async () => {
    stubFetch(jsonResponse({ ok: false, error_code: 429, description: "Too Many Requests" }, 429));
    const result = await sendTelegram(out, creds, settings);
    expect(result).toEqual({ ok: false, retryable: true, reason: "Too Many Requests" });
  });

  it("5xx with a Bot API body, and 5xx with an HTML body from a proxy → retryable", async () => {
    stubFetch(jsonResponse(badGateway, 502), new Response("<html>502 Bad Gateway</html>", { status: 502 }));
    expect(await sendTelegram(out, creds, settings)).toEqual({ ok: false, retryable: true, reason: "Bad Gateway" });
    expect(await sendTelegram(out, creds, settings)).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("502") });
  });

  it("network error → retryable, and the reason never carries the token", async () => {
    stubFetch(new TypeError(`fetch to https://api.telegram.example/bot${creds.botToken}/sendMessage failed`));
    const result = await sendTelegram(out, creds, settings);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(result)).not.toContain(creds.botToken);
    expect(JSON.stringify(result)).not.toContain(creds.botToken.split(":")[1]);
  });

  it.each([
    ["401 Unauthorized", unauthorized, 401, "Telegram refused the bot token (401 Unauthorized)"],
    ["404 Not Found", notFound, 404, "Telegram refused the bot token (404 Not Found)"],
  ])("%s → not retryable, credentials rejected", async (_, body, status, reason) => {
    stubFetch(jsonResponse(body, status));
    expect(await sendTelegram(out, creds, settings)).toEqual({ ok: false, retryable: false, credentialsRejected: true, reason });
  });

  it("403 blocked by the user → not retryable with Telegram's reason", async () => {
    stubFetch(jsonResponse(blocked, 403));
    expect(await sendTelegram(out, creds, settings)).toEqual({
      ok: false,
      retryable: false,
      reason: "Forbidden: bot was blocked by the user",
    });
  });

  it("other 400 → not retryable with Telegram's description", async () => {
    stubFetch(jsonResponse(chatNotFound, 400));
    expect(await sendTelegram(out, creds, settings)).toEqual({ ok: false, retryable: false, reason: "Bad Request: chat not found" });
  });

  it("a 400 'message is not modified' on a send is not a success", async () => {
    stubFetch(jsonResponse(notModified, 400));
    expect(await sendTelegram(out, creds, settings)).toMatchObject({ ok: false, retryable: false });
  });
});
