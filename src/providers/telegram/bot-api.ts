import type { TelegramCredentials, TelegramSettings } from "./config";
import { botApiResponseSchema } from "./schema";

/** A Bot API call that hangs holds a send slot; past this it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 15_000;

export type BotApiOutcome =
  | { ok: true; result: unknown }
  | {
      ok: false;
      /** "api": Telegram (or something in front of it) answered; "network": no answer. */
      kind: "api" | "network";
      /** HTTP status; 0 when there was no answer. */
      status: number;
      /** Telegram's `error_code`, else the HTTP status. */
      errorCode: number;
      /** Telegram's `description`, or what went wrong; never contains the bot token. */
      description: string;
      retryAfterS?: number;
    };

/** POSTs `payload` as JSON to `{apiBaseUrl}/bot{token}/{method}`. Never throws. */
export async function callBotApi(
  creds: Pick<TelegramCredentials, "botToken">,
  settings: TelegramSettings,
  method: string,
  payload: Record<string, unknown>,
): Promise<BotApiOutcome> {
  const url = `${settings.apiBaseUrl.replace(/\/+$/, "")}/bot${creds.botToken}/${method}`;
  const redact = (s: string) => s.replaceAll(creds.botToken, "<bot token>");
  let res: Response;
  let raw: string;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    raw = await res.text();
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { ok: false, kind: "network", status: 0, errorCode: 0, description: redact(`network error: ${message}`) };
  }
  const body = botApiResponseSchema.safeParse(parseJson(raw));
  if (body.success && body.data.ok && res.ok) return { ok: true, result: body.data.result };
  const data = body.success ? body.data : undefined;
  return {
    ok: false,
    kind: "api",
    status: res.status,
    errorCode: data?.error_code ?? res.status,
    description: redact(data?.description ?? `HTTP ${res.status} without a Bot API answer`),
    retryAfterS: data?.parameters?.retry_after,
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
