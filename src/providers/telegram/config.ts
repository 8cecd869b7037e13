import { z } from "zod";

/** Secrets of a Telegram account: write-only in the API, sealed at rest. */
export const telegramCredentialsSchema = z
  .object({
    /** From @BotFather, "123456:ABC-DEF…". */
    botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "Expected a Bot API token like 123456:ABC…"),
    /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; generated when omitted. */
    secretToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, "1–256 characters of A-Z, a-z, 0-9, _ and -"),
  })
  .strict();
export type TelegramCredentials = z.infer<typeof telegramCredentialsSchema>;

export const telegramSettingsSchema = z
  .object({
    /** Bot API server; a local Bot API server or a test double may stand in. */
    apiBaseUrl: z.url().default("https://api.telegram.org"),
  })
  .strict();
export type TelegramSettings = z.infer<typeof telegramSettingsSchema>;
