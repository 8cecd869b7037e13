import { toBase64 } from "../../security/crypto";
import type { OutboundRequest, SendResult } from "../types";
import type { TwilioCredentials, TwilioSettings } from "./config";
import { WINDOW_CLOSED } from "./normalize";
import { messageResourceSchema, restErrorSchema } from "./schema";

/**
 * Twilio's Messages resource takes a Body of up to 1600 characters. Twilio counts emoji and other
 * non-GSM characters as more than one (error 21617); the hub counts UTF-16 code units (an emoji is
 * 2), which is at least as strict for every character outside the BMP.
 */
export const MAX_BODY_LENGTH = 1600;

/** A call that hangs holds a send slot; past this it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Without a Retry-After, a rate-limited send waits this long. */
export const DEFAULT_RETRY_AFTER_S = 60;

const enc = new TextEncoder();

export function messagesUrl(settings: Pick<TwilioSettings, "apiBaseUrl" | "accountSid">): string {
  return `${settings.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
}

export function basicAuth(accountSid: string, authToken: string): string {
  return `Basic ${toBase64(enc.encode(`${accountSid}:${authToken}`))}`;
}

/**
 * Sends a free-form WhatsApp text. `statusCallback` (the account's receive URL) is where Twilio
 * posts the reply's status changes; omitted when empty (the hub's public URL is unknown).
 */
export async function sendTwilio(out: OutboundRequest, creds: TwilioCredentials, settings: TwilioSettings, statusCallback: string): Promise<SendResult> {
  if (out.kind === "edit") return { ok: false, retryable: false, reason: "Twilio does not support editing a sent message" };
  if (out.text.length > MAX_BODY_LENGTH) {
    return { ok: false, retryable: false, reason: `text is ${out.text.length} characters; Twilio accepts at most ${MAX_BODY_LENGTH}` };
  }
  const form = new URLSearchParams({ From: settings.from, To: out.to, Body: out.text });
  if (statusCallback) form.set("StatusCallback", statusCallback);
  const redact = (s: string) => s.replaceAll(creds.authToken, "<auth token>");

  let res: Response;
  let raw: string;
  try {
    res = await fetch(messagesUrl(settings), {
      method: "POST",
      headers: {
        authorization: basicAuth(settings.accountSid, creds.authToken),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form.toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    raw = await res.text();
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { ok: false, retryable: true, reason: redact(`network error: ${message}`) };
  }

  const json = parseJson(raw);
  if (res.ok) {
    const message = messageResourceSchema.safeParse(json);
    // Twilio took the message: answering "retry" would send it twice.
    if (!message.success) return { ok: false, retryable: false, reason: `Twilio answered HTTP ${res.status} without a message sid` };
    return { ok: true, providerMessageId: message.data.sid };
  }

  const error = restErrorSchema.safeParse(json);
  const code = error.success ? error.data.code : undefined;
  const twilioMessage = error.success ? error.data.message : undefined;
  const said = redact(twilioMessage ? `${twilioMessage} (Twilio ${code ?? res.status})` : `Twilio answered HTTP ${res.status}`);

  if (code === 63016) return { ok: false, retryable: false, reason: `${WINDOW_CLOSED} (Twilio 63016)` };
  if (res.status === 429 || code === 63018 || code === 20429) {
    return { ok: false, retryable: true, retryAfterS: retryAfterOf(res.headers.get("retry-after")) ?? DEFAULT_RETRY_AFTER_S, reason: said };
  }
  if (code === 20003 || res.status === 401) {
    return { ok: false, retryable: false, credentialsRejected: true, reason: `Twilio refused the Account SID and Auth Token: ${said}` };
  }
  if (res.status >= 500) return { ok: false, retryable: true, reason: said };
  return { ok: false, retryable: false, reason: said };
}

/** Retry-After in seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterOf(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
