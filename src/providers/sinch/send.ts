import type { OutboundRequest, SendContext, SendResult } from "../types";
import { apiBaseOf, type SinchCredentials, type SinchSettings } from "./config";
import { WHATSAPP } from "./normalize";
import { sendResponseSchema } from "./schema";
import { accessToken, describe, dropToken, errorText, REQUEST_TIMEOUT_MS, retryAfterOf, type TokenOutcome } from "./token";

/**
 * WhatsApp's limit for a text message body. Whether Sinch counts code points or UTF-16 units is
 * not documented; the hub counts code points, and Sinch's own 400 covers the rest.
 */
export const MAX_TEXT_LENGTH = 4096;

export const EDIT_UNSUPPORTED = "Sinch does not support editing a sent message";

export function sendUrl(settings: SinchSettings): string {
  return `${apiBaseOf(settings)}/v1/projects/${encodeURIComponent(settings.projectId)}/messages:send`;
}

/** The messages:send body for a WhatsApp text to `identity`. */
export function sendBody(settings: Pick<SinchSettings, "appId">, identity: string, text: string) {
  return {
    app_id: settings.appId,
    recipient: { identified_by: { channel_identities: [{ channel: WHATSAPP, identity }] } },
    message: { text_message: { text } },
  };
}

type Attempt = { kind: "answer"; res: Response; raw: string } | { kind: "network"; reason: string };

export async function sendSinch(out: OutboundRequest, ctx: SendContext<SinchCredentials, SinchSettings>): Promise<SendResult> {
  if (out.kind === "edit") return { ok: false, retryable: false, reason: EDIT_UNSUPPORTED };
  const length = [...out.text].length;
  if (length === 0) return { ok: false, retryable: false, reason: "text is empty" };
  if (length > MAX_TEXT_LENGTH) {
    return { ok: false, retryable: false, reason: `text is ${length} characters; WhatsApp accepts at most ${MAX_TEXT_LENGTH}` };
  }
  const { accountId, creds, settings, now } = ctx;
  const body = JSON.stringify(sendBody(settings, out.to, out.text));

  // A cached token may have been revoked early: on 401 the token is dropped and one fresh try made.
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(accountId, creds, settings, now);
    if (!token.ok) return tokenFailure(token);
    ctx.keepSecret?.(token.token);
    const res = await post(sendUrl(settings), token.token, body);
    if (res.kind === "network") return { ok: false, retryable: true, reason: res.reason };
    if (res.res.status === 401 && attempt === 1) {
      dropToken(accountId, creds, settings);
      continue;
    }
    return outcome(res.res, res.raw, now);
  }
}

async function post(url: string, token: string, body: string): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { kind: "answer", res, raw: await res.text() };
  } catch (err) {
    return { kind: "network", reason: `Sinch request failed: ${describe(err)}` };
  }
}

function outcome(res: Response, raw: string, now: number): SendResult {
  if (res.ok) {
    const sent = sendResponseSchema.safeParse(safeJson(raw));
    // Sinch took the message: answering "retry" would send it twice.
    if (!sent.success) return { ok: false, retryable: false, reason: `Sinch accepted the message (${res.status}) without a message_id` };
    return { ok: true, providerMessageId: sent.data.message_id };
  }
  const detail = errorText(raw);
  const reason = `Sinch answered ${res.status}${detail ? `: ${detail}` : ""}`;
  if (res.status === 429) {
    const retryAfterS = retryAfterOf(res, now);
    return retryAfterS === undefined ? { ok: false, retryable: true, reason } : { ok: false, retryable: true, retryAfterS, reason };
  }
  if (res.status >= 500) return { ok: false, retryable: true, reason };
  // A fresh token refused as well: the key does not (or no longer) grant access.
  if (res.status === 401) return { ok: false, retryable: false, credentialsRejected: true, reason: `Sinch refused the access token (${reason})` };
  return { ok: false, retryable: false, reason };
}

function tokenFailure(t: Exclude<TokenOutcome, { ok: true }>): SendResult {
  if (t.kind === "rejected") return { ok: false, retryable: false, credentialsRejected: true, reason: t.reason };
  if (t.kind === "retryable") {
    return t.retryAfterS === undefined ? { ok: false, retryable: true, reason: t.reason } : { ok: false, retryable: true, retryAfterS: t.retryAfterS, reason: t.reason };
  }
  return { ok: false, retryable: false, reason: t.reason };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
