import { callBotApi } from "./bot-api";
import type { TelegramCredentials, TelegramSettings } from "./config";

/** The updates the hub ingests; the rest are never delivered, so they cost nothing. */
export const ALLOWED_UPDATES = ["message", "edited_message"] as const;

/** Points the bot's webhook at `url`; Telegram will echo `secretToken` on every call. */
export async function setWebhook(
  creds: TelegramCredentials,
  settings: TelegramSettings,
  url: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const res = await callBotApi(creds, settings, "setWebhook", {
    url,
    secret_token: creds.secretToken,
    allowed_updates: ALLOWED_UPDATES,
  });
  if (res.ok) return { ok: true };
  if (res.errorCode === 401 || res.errorCode === 404) {
    return { ok: false, reason: `Telegram refused the bot token (${res.errorCode} ${res.description})` };
  }
  return { ok: false, reason: res.description };
}
