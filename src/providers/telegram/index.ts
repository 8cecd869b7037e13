import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
import type { ProviderAdapter } from "../types";
import { setWebhook } from "./api";
import { authenticateTelegram } from "./authenticate";
import {
  telegramCredentialsSchema,
  telegramSettingsSchema,
  type TelegramCredentials,
  type TelegramSettings,
} from "./config";
import { normalizeTelegramUpdate } from "./normalize";
import { MAX_TEXT_LENGTH, sendTelegram } from "./send";

export const telegramAdapter: ProviderAdapter<TelegramCredentials, TelegramSettings> = {
  kind: "telegram",
  sourceName: "Telegram",
  canEdit: true,
  registerWebhook: (ctx) => setWebhook(ctx.creds, ctx.settings, ctx.receiveUrl),
  credentialsSchema: telegramCredentialsSchema,
  settingsSchema: telegramSettingsSchema,
  generatedCredentials: () => ({ secretToken: randomToken() }),
  authenticate: async (req, ctx) => authResult(await authenticateTelegram(req, ctx.creds)),
  normalize(req) {
    const body = parseJsonBody(req.rawBody);
    return normalizeTelegramUpdate(body);
  },
  send: (out, ctx) => sendTelegram(out, ctx.creds, ctx.settings),
  textLimit: { max: MAX_TEXT_LENGTH, unit: "characters" },
};

export { setWebhook } from "./api";
export type { TelegramCredentials, TelegramSettings } from "./config";
