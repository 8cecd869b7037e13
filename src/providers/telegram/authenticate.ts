import { constantTimeEqual } from "../../security/crypto";
import type { WebhookRequest } from "../types";
import type { TelegramCredentials } from "./config";

export const SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token";

/** Telegram echoes the secret given to setWebhook in a header; null when it matches. */
export async function authenticateTelegram(
  req: WebhookRequest,
  creds: Pick<TelegramCredentials, "secretToken">,
): Promise<string | null> {
  const got = req.headers.get(SECRET_TOKEN_HEADER);
  if (!got) return `missing ${SECRET_TOKEN_HEADER}`;
  return constantTimeEqual(got, creds.secretToken) ? null : "secret token mismatch";
}
