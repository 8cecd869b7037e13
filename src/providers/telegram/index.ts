import { ApiError } from "../../errors";
import { randomToken } from "../../security/crypto";
import type { ProviderAdapter } from "../types";
import { authenticateTelegram } from "./authenticate";
import {
  telegramCredentialsSchema,
  telegramSettingsSchema,
  type TelegramCredentials,
  type TelegramSettings,
} from "./config";
import { normalizeTelegramUpdate } from "./normalize";
import { sendTelegram } from "./send";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export const telegramAdapter: ProviderAdapter<TelegramCredentials, TelegramSettings> = {
  kind: "telegram",
  credentialsSchema: telegramCredentialsSchema,
  settingsSchema: telegramSettingsSchema,
  generatedCredentials: () => ({ secretToken: randomToken() }),
  async authenticate(req, ctx) {
    const reason = await authenticateTelegram(req, ctx.creds);
    return reason === null ? { ok: true } : { ok: false, reason };
  },
  normalize(req) {
    let body: unknown;
    try {
      body = JSON.parse(utf8.decode(req.rawBody));
    } catch (err) {
      throw new ApiError(400, "malformed_json", "The body is not UTF-8 JSON", err instanceof Error ? err.message : undefined);
    }
    return normalizeTelegramUpdate(body);
  },
  send: (out, ctx) => sendTelegram(out, ctx.creds, ctx.settings),
};

export { setWebhook } from "./api";
export type { TelegramCredentials, TelegramSettings } from "./config";
